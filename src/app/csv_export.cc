#include "app/csv_export.h"

#include "core/csv.h"

namespace custodian::app {

std::string ExportLockersCsv(const domain::State& state) {
  std::string out = "site,bank,compartment,size,features\n";
  for (const auto& [key, c] : state.compartments) {
    std::string features;
    for (domain::Feature f : c.features) {
      if (!features.empty()) features += ';';
      features += domain::FeatureName(f);
    }
    out += core::CsvField(key.site) + ',' + core::CsvField(key.bank) + ',' +
           core::CsvField(key.compartment) + ',' + std::string(domain::SizeName(c.size)) + ',' +
           features + '\n';
  }
  return out;
}

std::string ExportItemsCsv(const domain::State& state, bool in_compartment_only) {
  std::string out = "serial,type,tag,site,bank,compartment,weight_g\n";
  for (const auto& [serial, i] : state.items) {
    // Out with someone, or on its way back: not in the compartment.
    if (in_compartment_only && (i.custody || i.returning)) continue;
    const domain::CompartmentKey& home = i.item.home;
    out += core::CsvField(serial) + ',' + core::CsvField(i.item.type) + ',' + i.item.tag + ',' +
           core::CsvField(home.site) + ',' + core::CsvField(home.bank) + ',' +
           core::CsvField(home.compartment) + ',' + std::to_string(i.ExpectedWeight()) + '\n';
  }
  return out;
}

}  // namespace custodian::app
