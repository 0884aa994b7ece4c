#pragma once
// The agent's version, sent as Kontena-Version; the master accepts it when
// it has the same major.minor (reference 2.1).
namespace kontena::agentd {
inline constexpr char kAgentVersion[] = "0.1.0";
}
