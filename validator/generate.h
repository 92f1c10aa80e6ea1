#pragma once
// Builds a value from an OpenAPI Schema Object, deterministically: the data a
// mock answers with when the spec has no usable example.
#include <string>

#include "validator/document.h"

namespace specgate::validator {

class document_set;

struct generate_options {
  bool required_only = true;  // only required properties (a minimal value)
  int max_depth = 8;          // nesting bound: recursive schemas stop here
  int max_items = 2;          // arrays get at least minItems and at most this many (unless minItems is larger)
};

// `pointer` locates `schema` in `doc`; $refs are followed through `docs`.
json generate_value(const document_set& docs, const document& doc, const json& schema, const std::string& pointer,
                    const generate_options& options = {});

}  // namespace specgate::validator
