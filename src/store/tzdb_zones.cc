#include "store/tzdb_zones.h"

#include <date/tz.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace custodian::store {
namespace {

class TzdbZone final : public domain::TimeZone {
 public:
  TzdbZone(std::string name, const date::time_zone* zone) : name_(std::move(name)), zone_(zone) {}
  const std::string& name() const override { return name_; }
  domain::LocalTime ToLocal(domain::Micros utc) const override {
    using std::chrono::microseconds;
    const date::sys_time<microseconds> t{microseconds(utc)};
    const auto local = zone_->to_local(t);
    const auto day = date::floor<date::days>(local);
    domain::LocalTime out;
    out.date = domain::Date(std::chrono::days(day.time_since_epoch().count()));
    // 1970-01-01 was a Thursday (weekday 3 with Monday = 0).
    const int64_t days = day.time_since_epoch().count();
    out.weekday = static_cast<int>(((days % 7) + 7 + 3) % 7);
    out.second_of_day = std::chrono::duration_cast<std::chrono::seconds>(local - day).count();
    return out;
  }

 private:
  std::string name_;
  const date::time_zone* zone_;
};

}  // namespace

core::Result<const domain::TimeZone*> FindZone(std::string_view name) {
  static std::mutex mu;
  static std::map<std::string, std::unique_ptr<TzdbZone>, std::less<>> zones;
  std::lock_guard l(mu);
  if (auto it = zones.find(name); it != zones.end()) return it->second.get();
  const date::time_zone* zone = nullptr;
  try {
    zone = date::locate_zone(name);
  } catch (const std::exception& e) {
    const std::string why = e.what();
    if (why.find("not found") != std::string::npos) {
      return core::NotFoundError("unknown time zone \"" + std::string(name) +
                                 "\" (use an IANA name such as America/New_York or UTC)");
    }
    return core::UnavailableError("cannot read the time zone database: " + why);
  }
  auto z = std::make_unique<TzdbZone>(std::string(name), zone);
  const TzdbZone* out = z.get();
  zones.emplace(std::string(name), std::move(z));
  return out;
}

}  // namespace custodian::store
