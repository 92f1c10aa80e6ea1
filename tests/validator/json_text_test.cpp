// parse_json_text must read exactly what nlohmann::json::parse reads (same
// values, same number kinds, same refusals), only faster; too deep and too
// large numbers are errors, never exceptions.
#include "validator/document/json_text.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <vector>

namespace specgate::validator {
namespace {

using json = nlohmann::json;

// Same structure, same values and the same value_t everywhere (nlohmann's ==
// would call 5u and 5 equal).
::testing::AssertionResult strictly_equal(const json& a, const json& b, const std::string& at = "") {
  if (a.type() != b.type())
    return ::testing::AssertionFailure() << "at '" << at << "': type " << a.type_name() << " (" << int(a.type())
                                         << ") vs " << b.type_name() << " (" << int(b.type()) << ")";
  if (a.is_object()) {
    if (a.size() != b.size()) return ::testing::AssertionFailure() << "at '" << at << "': object sizes differ";
    for (auto it = a.begin(); it != a.end(); ++it) {
      const auto other = b.find(it.key());
      if (other == b.end()) return ::testing::AssertionFailure() << "at '" << at << "': key " << it.key() << " missing";
      if (auto r = strictly_equal(*it, *other, at + "/" + it.key()); !r) return r;
    }
    return ::testing::AssertionSuccess();
  }
  if (a.is_array()) {
    if (a.size() != b.size()) return ::testing::AssertionFailure() << "at '" << at << "': array sizes differ";
    for (std::size_t i = 0; i < a.size(); ++i)
      if (auto r = strictly_equal(a[i], b[i], at + "/" + std::to_string(i)); !r) return r;
    return ::testing::AssertionSuccess();
  }
  if (a.is_number_float()) {
    const double x = a.get<double>(), y = b.get<double>();
    if (std::signbit(x) != std::signbit(y) || !(x == y))
      return ::testing::AssertionFailure() << "at '" << at << "': " << a.dump() << " vs " << b.dump();
    return ::testing::AssertionSuccess();
  }
  if (a != b) return ::testing::AssertionFailure() << "at '" << at << "': " << a.dump() << " vs " << b.dump();
  return ::testing::AssertionSuccess();
}

// Compares with nlohmann on one text; the depth limit is not reached here.
void agrees_with_nlohmann(const std::string& text) {
  json reference;
  bool reference_ok = true;
  std::size_t reference_byte = 0;
  try {
    reference = json::parse(text);
  } catch (const json::parse_error& e) {
    reference_ok = false;
    reference_byte = e.byte;
  } catch (const json::exception&) {
    reference_ok = false;
  }
  json ours;
  json_text_error error;
  const bool ok = parse_json_text(text, 1000, ours, error);
  ASSERT_EQ(ok, reference_ok) << "text: " << text << "\nours: " << error.detail;
  if (ok) {
    EXPECT_TRUE(strictly_equal(ours, reference)) << "text: " << text;
  } else {
    EXPECT_TRUE(ours.is_null());
    EXPECT_FALSE(error.detail.empty());
    if (error.what == json_text_error::kind::malformed) {
      EXPECT_EQ(error.byte, reference_byte) << "text: " << text;
    }
  }
}

TEST(json_text, numbers_keep_nlohmanns_kinds) {
  for (const char* t : {"0", "-0", "5", "-5", "4294967295", "4294967296", "-2147483648", "-2147483649",
                        "9223372036854775807", "9223372036854775808", "18446744073709551615",
                        "18446744073709551616", "-9223372036854775808", "-9223372036854775809", "1.0", "-0.0",
                        "1e2", "1E-2", "0.1", "3.141592653589793238462643383279", "2.2250738585072014e-308",
                        "4.9e-324", "1.7976931348623157e308", "123456789012345678901234567890",
                        "[1,-1,1.5,1e400]", "1e999", "-1e999", "01", "1.", ".5", "+1", "1e", "-"})
    agrees_with_nlohmann(t);
  json v;
  json_text_error e;
  ASSERT_TRUE(parse_json_text("[5,-5,1.5]", 10, v, e));
  EXPECT_TRUE(v[0].is_number_unsigned());
  EXPECT_TRUE(v[1].is_number_integer() && !v[1].is_number_unsigned());
  EXPECT_TRUE(v[2].is_number_float());
}

TEST(json_text, a_number_past_double_is_a_clear_error_not_an_exception) {
  json v;
  json_text_error e;
  EXPECT_FALSE(parse_json_text(R"({"a": 1e999})", 10, v, e));
  EXPECT_EQ(e.what, json_text_error::kind::out_of_range);
  EXPECT_NE(e.detail.find("1e999"), std::string::npos) << e.detail;
  EXPECT_EQ(e.byte, 7u);  // where the number starts, 1-based
  EXPECT_TRUE(v.is_null());
}

TEST(json_text, strings_escapes_and_encodings) {
  for (const char* t : {R"("plain")", R"("\u00e9\n\t\"\\\/")", R"("\ud83d\ude00")", R"("\ud83d")", R"("\ude00")",
                        R"("\uDBFF\uDFFF")", R"("\u0000")", "\"\xC3\xA9\"", "\"\xC3\"", "\"\xFF\"",
                        "\"\xED\xA0\x80\"", "\"\xF4\x90\x80\x80\"", "\"tab\there\"", "\"a\nb\"", R"("\x")",
                        R"("\u12")", "\xEF\xBB\xBF{}", "{}\xEF\xBB\xBF", std::string("{}\0x", 4).c_str(),
                        R"({"a":1,"a":2})", R"({"":{"":[]}})", " \r\n\t[ ] ", "[1,]", "{\"a\":1,}", "[1 2]",
                        "nul", "true", "false", "null", "[true,false,null]", "", "   ", "{}{}", "[]x", "/*c*/[]",
                        "NaN", "Infinity", "[-Infinity]"})
    agrees_with_nlohmann(t);
  agrees_with_nlohmann(std::string("{\"a\":\"x\0y\"}", 11));
  agrees_with_nlohmann(std::string("[1]\0", 4));
}

TEST(json_text, depth_limit_counts_objects_and_arrays) {
  json v;
  json_text_error e;
  std::string ok = std::string(10, '[') + std::string(10, ']');
  EXPECT_TRUE(parse_json_text(ok, 10, v, e)) << e.detail;
  std::string deep = std::string(11, '[') + std::string(11, ']');
  EXPECT_FALSE(parse_json_text(deep, 10, v, e));
  EXPECT_EQ(e.what, json_text_error::kind::too_deep);
  EXPECT_TRUE(v.is_null());
  // Brackets inside strings do not count; a hundred thousand levels neither crash nor take long.
  EXPECT_TRUE(parse_json_text(R"({"a":"[[[[[[[[[[[[[[[["})", 2, v, e)) << e.detail;
  const std::string bomb = std::string(100000, '[') + std::string(100000, ']');
  EXPECT_FALSE(parse_json_text(bomb, 128, v, e));
  EXPECT_EQ(e.what, json_text_error::kind::too_deep);
  const std::string unclosed = std::string(100000, '{');
  EXPECT_FALSE(parse_json_text(unclosed, 128, v, e));
  // The slow path (a NUL byte) keeps the limit too.
  EXPECT_FALSE(parse_json_text(bomb + std::string(1, '\0'), 128, v, e));
  EXPECT_EQ(e.what, json_text_error::kind::too_deep);
}

// Random documents and random damage to them: both readers agree on every one.
TEST(json_text, random_documents_and_mutations_agree_with_nlohmann) {
  std::mt19937_64 rng(20261129);
  auto pick = [&](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
  const std::vector<std::string> atoms = {"0",      "-1",       "42",    "1.5e3",        "-0.25",
                                          "true",   "false",    "null",  "\"s\"",        "\"\\u00fc\"",
                                          "\"\"",   "1e308",    "2e-310", "18446744073709551617", "\"\\\"\""};
  std::function<std::string(int)> gen = [&](int depth) -> std::string {
    const std::size_t k = depth > 4 ? 0 : pick(4);
    if (k == 0 || k == 1) return atoms[pick(atoms.size())];
    std::string s;
    const std::size_t n = pick(4);
    if (k == 2) {
      s = "[";
      for (std::size_t i = 0; i < n; ++i) s += (i ? "," : "") + gen(depth + 1);
      return s + "]";
    }
    s = "{";
    for (std::size_t i = 0; i < n; ++i) s += std::string(i ? "," : "") + "\"k" + std::to_string(pick(3)) + "\":" + gen(depth + 1);
    return s + "}";
  };
  const std::string noise = "{}[],:\"\\ \n0123456789.eE+-tfnlu\x01\x7f\xC3\xFF";
  for (int i = 0; i < 3000; ++i) {
    std::string doc = gen(0);
    agrees_with_nlohmann(doc);
    if (HasFatalFailure()) return;
    std::string damaged = doc;
    const int edits = 1 + static_cast<int>(pick(3));
    for (int j = 0; j < edits && !damaged.empty(); ++j) {
      const std::size_t at = pick(damaged.size());
      switch (pick(3)) {
        case 0: damaged[at] = noise[pick(noise.size())]; break;
        case 1: damaged.erase(at, 1); break;
        default: damaged.insert(at, 1, noise[pick(noise.size())]); break;
      }
    }
    agrees_with_nlohmann(damaged);
    if (HasFatalFailure()) return;
  }
}

}  // namespace
}  // namespace specgate::validator
