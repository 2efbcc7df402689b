// cxx_virtual — virtual calls through base pointers (vtables: R_X86_64_64 in
// .data.rel.ro with -fPIC, .rodata with -fno-pic), a three-level hierarchy
// with a qualified call to the base implementation, and a static object whose
// constructor runs from .init_array in the module's context and whose
// destructor sits in .fini_array, never run (built with -fno-use-cxa-atexit).
#include "programs.h"

extern "C" {
uint32_t prog_cxx_virtual_constructed;
uint32_t* prog_cxx_virtual_on_destroy;
}

namespace {

uint64_t mix(uint64_t h, uint64_t v) { return (h ^ v) * 0x100000001B3u; }

// Never deleted through a base pointer (a module has no operator delete), so
// the destructors are protected and non-virtual.
class Shape {
 public:
  virtual uint64_t area() const { return 0; }
  virtual uint32_t corners() const { return 0; }

 protected:
  ~Shape() = default;
};

class Rectangle : public Shape {
 public:
  Rectangle(uint32_t width, uint32_t height) : width_(width), height_(height) {}
  uint64_t area() const override { return uint64_t{width_} * height_; }
  uint32_t corners() const override { return 4; }

 protected:
  ~Rectangle() = default;
  uint32_t width_, height_;
};

class Square final : public Rectangle {
 public:
  explicit Square(uint32_t side) : Rectangle(side, side) {}
  uint64_t area() const override { return Rectangle::area() + 1; }  // qualified: not virtual
};

class Triangle final : public Shape {
 public:
  Triangle(uint32_t base, uint32_t height) : base_(base), height_(height) {}
  uint64_t area() const override { return uint64_t{base_} * height_ / 2; }
  uint32_t corners() const override { return 3; }

 private:
  uint32_t base_, height_;
};

class Point final : public Shape {};  // inherits both base implementations

// Constructed from .init_array; its constructor's effect is what
// prog_cxx_virtual reads, its destructor's is what the test sees at unload.
struct LoadWitness {
  uint32_t value;
  LoadWitness() : value(PROG_CXX_VIRTUAL_CONSTRUCTED) { prog_cxx_virtual_constructed = value; }
  ~LoadWitness() {
    if (prog_cxx_virtual_on_destroy != nullptr) {
      *prog_cxx_virtual_on_destroy = PROG_CXX_VIRTUAL_DESTROYED;
    }
  }
};

LoadWitness witness;

Square square(7);
Triangle triangle(10, 5);
Point point;
struct PlainRectangle final : Rectangle {
  PlainRectangle() : Rectangle(3, 9) {}
} rectangle;

Shape* const shapes[] = {&square, &triangle, &point, &rectangle};

// noinline: the index is unknown here, so the calls stay indirect.
__attribute__((noinline)) uint64_t measure(const Shape* shape) { return mix(shape->area(), shape->corners()); }

}  // namespace

extern "C" uint64_t prog_cxx_virtual(void) {
  uint64_t h = 0xCBF29CE484222325u;
  h = mix(h, prog_cxx_virtual_constructed);
  uint32_t lcg = 5;
  for (int i = 0; i < 64; i++) {
    lcg = lcg * 1103515245u + 12345u;
    h = mix(h, measure(shapes[(lcg >> 16) % 4]));
  }
  return h;
}
