#pragma once
// The std::visit idiom: a set of lambdas as one visitor,
//   std::visit(Overloaded{[](const A&) {...}, [](const B&) {...}}, v);
// One definition for every layer (the core, the simulator, the master and
// the fidelity runner each had their own copy).

namespace kontena {

template <class... Ts>
struct Overloaded : Ts... {
    using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

}  // namespace kontena
