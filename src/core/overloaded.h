// Overloaded: a set of lambdas as one visitor for std::visit, the usual C++17 idiom.
#pragma once

namespace custodian::core {

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

}  // namespace custodian::core
