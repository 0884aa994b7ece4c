#pragma once
// The read model: the JSON shapes of master/API.md, built from a grid's
// core state and its bookkeeping. Pure functions of what they are given;
// handlers call them and add nothing but envelopes ({"nodes": [...]}).

#include <QJsonArray>
#include <QJsonObject>
#include <QString>

#include "scheduler/model.h"

namespace kontena::master {

class GridRuntime;

namespace api_json {

QJsonObject grid(const GridRuntime& g);
QJsonObject node(const GridRuntime& g, const Node& n);
QJsonArray nodes(const GridRuntime& g);                          // by node number
QJsonObject service(const GridRuntime& g, const Service& s);
QJsonArray services(const GridRuntime& g, const QString& stack);   // stack empty: every service
// `stack` must be installed (in state().stacks or the stack book).
QJsonObject stack(const GridRuntime& g, const QString& stack);
QJsonArray stacks(const GridRuntime& g);
QJsonArray instances(const GridRuntime& g, const std::string& serviceKey);
QJsonObject deploy(const GridRuntime& g, const ServiceDeploy& d);
QJsonObject stackDeploy(const GridRuntime& g, const StackDeployRecord& sd);
QJsonObject volume(const GridRuntime& g, const Volume& v);
QJsonArray volumes(const GridRuntime& g);
// The newest `limit` lines of the service's containers (serviceKey empty:
// every container of the grid).
QJsonArray containerLogs(const GridRuntime& g, const std::string& serviceKey, int limit);
// Everything `kontena-sim what-if` needs to rehearse a failure on this grid.
QJsonObject whatIfState(const GridRuntime& g);

}  // namespace api_json
}  // namespace kontena::master
