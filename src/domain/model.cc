#include "domain/model.h"

#include <array>
#include <charconv>
#include <cstdio>

namespace custodian::domain {
namespace {

template <typename E, size_t N>
core::Result<E> ParseName(std::string_view name, const std::array<std::string_view, N>& names,
                          std::string_view what) {
  for (size_t i = 0; i < N; ++i) {
    if (names[i] == name) return static_cast<E>(i);
  }
  std::string known;
  for (std::string_view n : names) known += (known.empty() ? "" : ", ") + std::string(n);
  return core::InvalidArgumentError("unknown " + std::string(what) + " \"" + std::string(name) +
                                    "\" (one of: " + known + ")");
}

constexpr std::array<std::string_view, 7> kRoleNames = {
    "officer", "armorer", "evidence_custodian", "supervisor", "admin", "auditor", "emergency"};
constexpr std::array<std::string_view, 4> kSizeNames = {"small", "medium", "large", "long_gun"};
constexpr std::array<std::string_view, 5> kFeatureNames = {"charging", "rfid", "scale",
                                                           "refrigerated", "pass_through"};
constexpr std::array<std::string_view, 7> kCategoryNames = {
    "firearm", "less_lethal", "radio", "body_camera", "key", "evidence", "other"};
constexpr std::array<std::string_view, 7> kDayNames = {"Mon", "Tue", "Wed", "Thu",
                                                       "Fri", "Sat", "Sun"};
constexpr std::array<std::string_view, 12> kMonthNames = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

bool ParseInt(std::string_view s, int& out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

std::string_view RoleName(Role r) { return kRoleNames[static_cast<size_t>(r)]; }
core::Result<Role> ParseRole(std::string_view n) { return ParseName<Role>(n, kRoleNames, "role"); }
std::string_view SizeName(CompartmentSize s) { return kSizeNames[static_cast<size_t>(s)]; }
core::Result<CompartmentSize> ParseSize(std::string_view n) {
  return ParseName<CompartmentSize>(n, kSizeNames, "compartment size");
}
std::string_view FeatureName(Feature f) { return kFeatureNames[static_cast<size_t>(f)]; }
core::Result<Feature> ParseFeature(std::string_view n) {
  return ParseName<Feature>(n, kFeatureNames, "compartment feature");
}
std::string_view CategoryName(Category c) { return kCategoryNames[static_cast<size_t>(c)]; }
core::Result<Category> ParseCategory(std::string_view n) {
  return ParseName<Category>(n, kCategoryNames, "item category");
}

std::string FormatDate(Date d) {
  const std::chrono::year_month_day ymd(d);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

std::string FormatDateForPeople(Date d) {
  const std::chrono::year_month_day ymd(d);
  return std::to_string(static_cast<unsigned>(ymd.day())) + " " +
         std::string(kMonthNames[static_cast<unsigned>(ymd.month()) - 1]) + " " +
         std::to_string(static_cast<int>(ymd.year()));
}

core::Result<Date> ParseDate(std::string_view text) {
  auto bad = [&] {
    return core::InvalidArgumentError("\"" + std::string(text) +
                                      "\" is not a date of the form YYYY-MM-DD");
  };
  int y = 0, m = 0, d = 0;
  if (text.size() != 10 || text[4] != '-' || text[7] != '-' || !ParseInt(text.substr(0, 4), y) ||
      !ParseInt(text.substr(5, 2), m) || !ParseInt(text.substr(8, 2), d)) {
    return bad();
  }
  const std::chrono::year_month_day ymd{std::chrono::year(y),
                                        std::chrono::month(static_cast<unsigned>(m)),
                                        std::chrono::day(static_cast<unsigned>(d))};
  if (y < 1970 || !ymd.ok()) {
    return core::InvalidArgumentError("\"" + std::string(text) + "\" is not a real date");
  }
  return Date(ymd);
}

namespace {

core::Result<int> ParseClock(std::string_view t, bool allow_24) {
  int h = 0, m = 0;
  if (t.size() != 5 || t[2] != ':' || !ParseInt(t.substr(0, 2), h) ||
      !ParseInt(t.substr(3, 2), m) || m > 59 || h > 24 || (h == 24 && (m != 0 || !allow_24))) {
    return core::InvalidArgumentError("\"" + std::string(t) + "\" is not a time HH:MM");
  }
  return h * 60 + m;
}

core::Result<int> ParseDay(std::string_view d) {
  for (size_t i = 0; i < kDayNames.size(); ++i) {
    if (kDayNames[i] == d) return static_cast<int>(i);
  }
  return core::InvalidArgumentError("\"" + std::string(d) +
                                    "\" is not a day (Mon, Tue, Wed, Thu, Fri, Sat, Sun)");
}

std::string FormatClock(int minutes) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%02d:%02d", minutes / 60, minutes % 60);
  return buf;
}

}  // namespace

core::Result<Schedule> ParseSchedule(std::string_view text) {
  Schedule out;
  while (!text.empty()) {
    const size_t semi = text.find(';');
    std::string_view part = text.substr(0, semi);
    text = semi == std::string_view::npos ? std::string_view() : text.substr(semi + 1);
    const size_t space = part.find(' ');
    auto bad = [&](const std::string& why) {
      return core::InvalidArgumentError("schedule window \"" + std::string(part) + "\": " + why +
                                        " (expected like \"Mon-Fri 06:00-18:00\")");
    };
    if (space == std::string_view::npos) return bad("no time range");
    std::string_view days = part.substr(0, space), times = part.substr(space + 1);
    ScheduleWindow w;
    while (!days.empty()) {
      const size_t comma = days.find(',');
      std::string_view group = days.substr(0, comma);
      days = comma == std::string_view::npos ? std::string_view() : days.substr(comma + 1);
      const size_t dash = group.find('-');
      auto first = ParseDay(group.substr(0, dash));
      if (!first) return bad(first.error().message());
      int last = *first;
      if (dash != std::string_view::npos) {
        auto l = ParseDay(group.substr(dash + 1));
        if (!l) return bad(l.error().message());
        last = *l;
      }
      // "Fri-Mon" wraps over the weekend.
      for (int d = *first;; d = (d + 1) % 7) {
        w.days = static_cast<uint8_t>(w.days | (1u << d));
        if (d == last) break;
      }
    }
    if (w.days == 0) return bad("no days");
    const size_t dash = times.find('-');
    if (dash == std::string_view::npos) return bad("no time range");
    auto start = ParseClock(times.substr(0, dash), false);
    if (!start) return bad(start.error().message());
    auto end = ParseClock(times.substr(dash + 1), true);
    if (!end) return bad(end.error().message());
    if (*end <= *start) return bad("the end must be after the start (split a night shift in two)");
    w.start_minute = *start;
    w.end_minute = *end;
    out.push_back(w);
  }
  return out;
}

std::string FormatSchedule(const Schedule& s) {
  std::string out;
  for (const ScheduleWindow& w : s) {
    if (!out.empty()) out += ';';
    std::string days;
    for (int d = 0; d < 7;) {
      if (!(w.days & (1u << d))) {
        ++d;
        continue;
      }
      int e = d;
      while (e + 1 < 7 && (w.days & (1u << (e + 1)))) ++e;
      if (!days.empty()) days += ',';
      days += kDayNames[static_cast<size_t>(d)];
      if (e > d) days += "-" + std::string(kDayNames[static_cast<size_t>(e)]);
      d = e + 1;
    }
    out += days + " " + FormatClock(w.start_minute) + "-" + FormatClock(w.end_minute);
  }
  return out;
}

}  // namespace custodian::domain
