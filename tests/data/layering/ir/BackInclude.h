// A deliberate back-include for the layering test (tests/CMakeLists.txt):
// the ir layer may not include lowering, which sits above it.
#pragma once

#include "compiler/ir/Graph.h"
#include "compiler/lower/Lower.h"
