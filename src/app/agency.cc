#include "app/agency.h"

#include "app/event_codec.h"
#include "ledger/record.h"

namespace custodian::app {

core::Result<std::unique_ptr<Agency>> Agency::Open(ledger::Ledger& ledger,
                                                   ledger::LedgerStore& store) {
  std::unique_ptr<Agency> agency(new Agency(ledger));
  core::Status bad;
  CUSTODIAN_RETURN_IF_ERROR(
      store.ScanEvents(0, UINT64_MAX, [&](uint64_t index, core::ByteSpan record) {
        auto event = ledger::ParseEvent(record);
        if (!event) {
          bad = core::DataLossError("event " + std::to_string(index) +
                                    " cannot be decoded: " + event.error().message());
          return false;
        }
        auto d = DecodePayload(event->kind, event->payload);
        if (!d && d.error().code() == core::StatusCode::kNotFound) {
          return true;  // not a domain event: another family shares the ledger
        }
        if (!d) {
          bad = core::DataLossError("event " + std::to_string(index) + " (" +
                                    std::string(event->kind) +
                                    ") cannot be replayed: " + d.error().message());
          return false;
        }
        agency->state_.Apply(*d, event->time_us, index);
        return true;
      }));
  CUSTODIAN_RETURN_IF_ERROR(bad);
  agency->latest_ = agency->state_;
  return agency;
}

domain::State Agency::Snapshot() const {
  std::shared_lock l(mu_);
  return state_;
}

void Agency::Read(const std::function<void(const domain::State&)>& f) const {
  std::shared_lock l(mu_);
  f(state_);
}

void Agency::ReadLatest(const std::function<void(const domain::State&)>& f) const {
  std::shared_lock l(mu_);
  f(latest_);
}

core::Status Agency::Record(const std::string& actor,
                            const std::vector<domain::DomainEvent>& events) {
  CUSTODIAN_ASSIGN_OR_RETURN(Queued queued, Submit(actor, events));
  return Await(queued);
}

core::Result<Agency::Queued> Agency::Submit(const std::string& actor,
                                            const std::vector<domain::DomainEvent>& events) {
  std::lock_guard l(mu_);
  // Check on a scratch copy only when there is more than one event (later ones may depend on
  // earlier ones); a single event is checked against the latest state itself.
  std::optional<domain::State> scratch;
  if (events.size() > 1) scratch = latest_;
  const domain::State& base = scratch ? *scratch : latest_;
  std::vector<ledger::EventDraft> drafts;
  drafts.reserve(events.size());
  for (size_t i = 0; i < events.size(); ++i) {
    if (core::Status s = base.Check(events[i]); !s.ok()) {
      return events.size() == 1 ? s
                                : s.Annotate("event " + std::to_string(i + 1) + " of " +
                                             std::to_string(events.size()) + " (" +
                                             std::string(domain::KindOf(events[i])) + ")");
    }
    if (scratch) scratch->Apply(events[i], 0);
    ledger::EventDraft d;
    d.actor = actor;
    d.kind = std::string(domain::KindOf(events[i]));
    d.subjects = domain::SubjectsOf(events[i]);
    d.payload = EncodePayload(events[i]);
    drafts.push_back(std::move(d));
  }
  // Queued under mu_, so the ledger's order is the order in which latest_ saw the events.
  CUSTODIAN_ASSIGN_OR_RETURN(ledger::Ledger::Ticket ticket, ledger_.Enqueue(std::move(drafts)));
  const std::vector<ledger::Appended>& at = ticket.appended();
  for (size_t i = 0; i < events.size(); ++i) latest_.Apply(events[i], at[i].time_us, at[i].index);
  pending_.push_back(Pending{ticket, events});
  return Queued(std::move(ticket));
}

core::Status Agency::Await(const Queued& queued) {
  auto appended = ledger_.Await(queued.ticket_);
  {
    std::lock_guard l(mu_);
    // The ticket is done, and with it every earlier one: this applies them all (whichever of their
    // writers comes here first), so the events are in the durable state when Await returns.
    ApplyDurableLocked();
  }
  if (!appended) return appended.error();
  if (on_recorded_) on_recorded_();
  return core::Status::Ok();
}

void Agency::ApplyDurableLocked() {
  while (!pending_.empty() && pending_.front().ticket.done()) {
    const Pending& p = pending_.front();
    if (p.ticket.status().ok()) {
      const std::vector<ledger::Appended>& at = p.ticket.appended();
      for (size_t i = 0; i < p.events.size(); ++i) {
        state_.Apply(p.events[i], at[i].time_us, at[i].index);
      }
    } else {
      latest_diverged_ = true;
    }
    pending_.pop_front();
  }
  if (pending_.empty() && latest_diverged_) {
    latest_ = state_;
    latest_diverged_ = false;
  }
}

}  // namespace custodian::app
