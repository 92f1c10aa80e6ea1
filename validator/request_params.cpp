// Parameters and form bodies of the request check.
#include "validator/request_validator.h"

namespace specgate::validator {

void request_validator::check_parameters(const operation& op, const request_input& in, const route_match& route,
                                         bool xsrf_reported, violations& out) const {
  (void)op, (void)in, (void)route, (void)xsrf_reported, (void)out;
}

request_validator::form_result request_validator::decode_form(const media_type& media, const request_input& in,
                                                              std::string_view content_type) const {
  (void)media, (void)in, (void)content_type;
  return {json::object(), {}};
}

}  // namespace specgate::validator
