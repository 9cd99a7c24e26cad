#include "sim/message.h"

namespace sim {

MessagePool::~MessagePool() = default;

void* MessagePool::allocate(size_t size, size_t align) {
    SIM_ASSERT(align <= __STDCPP_DEFAULT_NEW_ALIGNMENT__, "message alignment " << align << " too large");
    ++live_;
    uint8_t c = class_of(size);
    if (c == 0) return ::operator new(size);
    auto& list = free_[c];
    if (list.empty()) {
        // A chunk of 32 objects of this class.
        constexpr size_t kPerChunk = 32;
        const size_t object_bytes = c * kClassBytes;
        arena_.emplace_back(new std::byte[object_bytes * kPerChunk]);
        ++chunks_;
        std::byte* base = arena_.back().get();
        for (size_t i = kPerChunk; i-- > 0;) list.push_back(base + i * object_bytes);
    }
    void* p = list.back();
    list.pop_back();
    return p;
}

void MessagePool::release(Message* m) {
    if (m == nullptr) return;
    --live_;
    uint8_t c = m->pool_class;
    m->~Message();
    if (c == 0) {
        ::operator delete(m);
        return;
    }
    free_[c].push_back(m);
}

}  // namespace sim
