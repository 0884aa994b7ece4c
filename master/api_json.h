#pragma once
// The read model: the resources of master/API.md as the typed API model
// (api/), built from a grid's core state and its bookkeeping. Pure
// functions of what they are given; handlers call them, wrap listings in
// their api:: list struct and answer `toJson()`.
//
// Fields API.md documents that the master does not serve yet are left out
// of the answer (Model::leaveOut), so the wire shows what is real; each
// function lists them.

#include <QList>
#include <QString>

#include "api/grid.h"
#include "api/logs.h"
#include "api/node.h"
#include "api/service.h"
#include "api/stack.h"
#include "api/volume.h"
#include "scheduler/model.h"

namespace kontena::master {

class GridRuntime;

namespace api_json {

api::Grid grid(const GridRuntime& g);
api::Node node(const GridRuntime& g, const Node& n);
QList<api::Node> nodes(const GridRuntime& g);                          // by node number
api::Service service(const GridRuntime& g, const Service& s);
QList<api::Service> services(const GridRuntime& g, const QString& stack);   // stack empty: every service
// `stack` must be installed (in state().stacks or the stack book).
api::Stack stack(const GridRuntime& g, const QString& stack);
QList<api::Stack> stacks(const GridRuntime& g);
QList<api::Instance> instances(const GridRuntime& g, const std::string& serviceKey);
api::Deploy deploy(const GridRuntime& g, const ServiceDeploy& d);
api::StackDeploy stackDeploy(const GridRuntime& g, const StackDeployRecord& sd);
api::Volume volume(const GridRuntime& g, const Volume& v);
QList<api::Volume> volumes(const GridRuntime& g);
// Everything `kontena-sim what-if` needs to rehearse a failure on this grid.
api::GridState whatIfState(const GridRuntime& g);

}  // namespace api_json
}  // namespace kontena::master
