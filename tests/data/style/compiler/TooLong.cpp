// A fixture for tests/style/check_sizes.py (the style_sizes_rejects_long_function
// test): tooLong is 81 lines and must be reported; everything else is within
// the limit, though its strings, comments and characters hold stray braces.
#include <string>
#define OPEN {

namespace fixture {
namespace {

struct Holder {
  Holder() : first{1}, second{2} {}
  int first, second;
  int inline_member() const { return first + 1'000; }
};

const char *const kTable[] = {"{", "}"};

} // namespace

// fine: exactly 80 lines from brace to brace. { { {
int fine(int x) {
  x += '{' + '}'; /* { */ // } 0
  x += '{' + '}'; /* { */ // } 1
  x += '{' + '}'; /* { */ // } 2
  x += '{' + '}'; /* { */ // } 3
  x += '{' + '}'; /* { */ // } 4
  x += '{' + '}'; /* { */ // } 5
  x += '{' + '}'; /* { */ // } 6
  x += '{' + '}'; /* { */ // } 7
  x += '{' + '}'; /* { */ // } 8
  x += '{' + '}'; /* { */ // } 9
  x += '{' + '}'; /* { */ // } 10
  x += '{' + '}'; /* { */ // } 11
  x += '{' + '}'; /* { */ // } 12
  x += '{' + '}'; /* { */ // } 13
  x += '{' + '}'; /* { */ // } 14
  x += '{' + '}'; /* { */ // } 15
  x += '{' + '}'; /* { */ // } 16
  x += '{' + '}'; /* { */ // } 17
  x += '{' + '}'; /* { */ // } 18
  x += '{' + '}'; /* { */ // } 19
  x += '{' + '}'; /* { */ // } 20
  x += '{' + '}'; /* { */ // } 21
  x += '{' + '}'; /* { */ // } 22
  x += '{' + '}'; /* { */ // } 23
  x += '{' + '}'; /* { */ // } 24
  x += '{' + '}'; /* { */ // } 25
  x += '{' + '}'; /* { */ // } 26
  x += '{' + '}'; /* { */ // } 27
  x += '{' + '}'; /* { */ // } 28
  x += '{' + '}'; /* { */ // } 29
  x += '{' + '}'; /* { */ // } 30
  x += '{' + '}'; /* { */ // } 31
  x += '{' + '}'; /* { */ // } 32
  x += '{' + '}'; /* { */ // } 33
  x += '{' + '}'; /* { */ // } 34
  x += '{' + '}'; /* { */ // } 35
  x += '{' + '}'; /* { */ // } 36
  x += '{' + '}'; /* { */ // } 37
  x += '{' + '}'; /* { */ // } 38
  std::string raw = R"(}}})";
  std::string text = "}\" }";
  auto lambda = [&](int y) {
    y += 0;
    y += 1;
    y += 2;
    y += 3;
    y += 4;
    y += 5;
    y += 6;
    y += 7;
    y += 8;
    y += 9;
    y += 10;
    y += 11;
    y += 12;
    y += 13;
    y += 14;
    y += 15;
    y += 16;
    y += 17;
    y += 18;
    y += 19;
    y += 20;
    y += 21;
    y += 22;
    y += 23;
    y += 24;
    y += 25;
    y += 26;
    y += 27;
    y += 28;
    y += 29;
    y += 30;
    y += 31;
    y += 32;
    return y;
  };
  return lambda(x) + int(raw.size() + text.size());
}

int tooLong(int x) {
  x += 0;
  x += 1;
  x += 2;
  x += 3;
  x += 4;
  x += 5;
  x += 6;
  x += 7;
  x += 8;
  x += 9;
  x += 10;
  x += 11;
  x += 12;
  x += 13;
  x += 14;
  x += 15;
  x += 16;
  x += 17;
  x += 18;
  x += 19;
  x += 20;
  x += 21;
  x += 22;
  x += 23;
  x += 24;
  x += 25;
  x += 26;
  x += 27;
  x += 28;
  x += 29;
  x += 30;
  x += 31;
  x += 32;
  x += 33;
  x += 34;
  x += 35;
  x += 36;
  x += 37;
  x += 38;
  x += 39;
  x += 40;
  x += 41;
  x += 42;
  x += 43;
  x += 44;
  x += 45;
  x += 46;
  x += 47;
  x += 48;
  x += 49;
  x += 50;
  x += 51;
  x += 52;
  x += 53;
  x += 54;
  x += 55;
  x += 56;
  x += 57;
  x += 58;
  x += 59;
  x += 60;
  x += 61;
  x += 62;
  x += 63;
  x += 64;
  x += 65;
  x += 66;
  x += 67;
  x += 68;
  x += 69;
  x += 70;
  x += 71;
  x += 72;
  x += 73;
  x += 74;
  x += 75;
  x += 76;
  x += 77;
  return x;
}

} // namespace fixture
