// CSV import: turns a spreadsheet of sites, lockers (compartments), item types, people or items
// into the definition events that record them (docs/import.md specifies the five formats).
//
// Planning is all or none: every row is parsed, checked with State::Check against a copy of the
// given state and applied to that copy before the next row is looked at, so a row may refer to
// what an earlier row of the same file defined. The first bad row fails the whole import and the
// plan is empty; nothing here records anything. Errors are InvalidArgument with the message
// "line N: <column>: <why>", N being the line of the CSV file on which the row starts.
//
// Definitions are upserts: a row whose key already exists in the state replaces that definition.
// The same key twice in one file is an error naming both lines.
//
// PINs: a person row with an empty pin column gets one from ImportEnv::new_pin. The plan lists
// every PIN in clear (given or generated) so that the caller can hash and store it, and which
// badges got a generated one so that the caller can write the PIN letter. PINs never appear in
// the events (PersonDefined carries only pin_set = true).
//
// Thread-safety: PlanImport is a pure function of its arguments (and of what env's functions do).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"
#include "domain/events.h"
#include "domain/state.h"

namespace custodian::app {

enum class ImportKind { kSites, kLockers, kTypes, kPeople, kItems };

std::string_view ImportKindName(ImportKind kind);  // "sites", "lockers", "types", "people", "items"
core::Result<ImportKind> ParseImportKind(std::string_view name);
// The exact header row a file of this kind must start with, e.g. "code,name,timezone".
std::string ImportHeader(ImportKind kind);

struct ImportEnv {
  // Whether a name is an IANA time zone that this machine knows ("America/New_York").
  std::function<bool(std::string_view)> zone_exists;
  // A fresh random PIN of 4-12 digits, for a person row whose pin column is empty.
  std::function<std::string()> new_pin;
};

struct ImportPlan {
  std::vector<domain::DomainEvent> events;                // one per row, in file order
  std::vector<std::pair<std::string, std::string>> pins;  // badge → PIN in clear, file order
  std::vector<std::string> generated_pin_badges;          // badges whose PIN was generated
};

core::Result<ImportPlan> PlanImport(ImportKind kind, std::string_view csv,
                                    const domain::State& state, const ImportEnv& env);

}  // namespace custodian::app
