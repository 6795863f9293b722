// The model layer's error type: a list of field errors, each naming the JSON
// path of the offending value and what was expected there (util/error.hpp).
#pragma once

#include "comity/util/error.hpp"
