// sim/message.h: messages between services, and the pool they live in.
//
// A message type derives from MessageOf<Self> and names itself:
//
//   struct AppendRequest : sim::MessageOf<AppendRequest> {
//       static constexpr std::string_view kName = "stream.append_request";
//       ExtentId extent; int64_t length_bytes = 0; ...
//   };
//
// Its kind is the FNV hash of kName (stable across builds, used in the run
// fingerprint). Messages are allocated from the Simulation's MessagePool (size classes
// with free lists), so steady-state sending allocates nothing beyond what a message's
// own members (vectors, strings) allocate. A receiver gets ownership (MessagePtr) and
// may forward the same object, as chain replication does.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "sim/check.h"
#include "sim/ids.h"
#include "sim/rng.h"

namespace sim {

class MessagePool;

struct Message {
    virtual ~Message() = default;
    virtual std::string_view name() const = 0;
    virtual Message* clone_into(MessagePool& pool) const = 0;

    uint64_t kind = 0;
    Address src;
    Address dst;
    // Bytes on the wire: sets the serialization time at each link. Models set it for
    // messages that carry data (append, read reply, copy); the default is a header.
    int64_t size_bytes = 128;
    uint32_t dst_incarnation = 0;  // set by the kernel at send
    uint8_t pool_class = 0;        // set by the pool

    template <typename T>
    bool is() const {
        return kind == T::kind_id();
    }
    template <typename T>
    T& as() {
        SIM_ASSERT(is<T>(), "message " << name() << " is not a " << T::kName);
        return static_cast<T&>(*this);
    }
    template <typename T>
    const T& as() const {
        SIM_ASSERT(is<T>(), "message " << name() << " is not a " << T::kName);
        return static_cast<const T&>(*this);
    }
};

struct MessageDeleter {
    MessagePool* pool = nullptr;
    void operator()(Message* m) const;
};

template <typename T>
using Owned = std::unique_ptr<T, MessageDeleter>;
using MessagePtr = Owned<Message>;

class MessagePool {
public:
    MessagePool() = default;
    MessagePool(const MessagePool&) = delete;
    MessagePool& operator=(const MessagePool&) = delete;
    ~MessagePool();

    template <typename T, typename... Args>
    Owned<T> make(Args&&... args) {
        void* mem = allocate(sizeof(T), alignof(T));
        T* obj = new (mem) T(std::forward<Args>(args)...);
        obj->pool_class = class_of(sizeof(T));
        return Owned<T>(obj, MessageDeleter{this});
    }
    Owned<Message> adopt(Message* m) { return Owned<Message>(m, MessageDeleter{this}); }
    void release(Message* m);

    // For benchmarks and tests: objects handed out and not yet released.
    int64_t live() const { return live_; }
    int64_t chunks_allocated() const { return chunks_; }

    void* allocate(size_t size, size_t align);

private:
    static constexpr size_t kClassBytes = 64;
    static constexpr size_t kClasses = 16;  // up to 1 KiB pooled; larger uses new
    static uint8_t class_of(size_t size) {
        size_t c = (size + kClassBytes - 1) / kClassBytes;
        return c <= kClasses ? static_cast<uint8_t>(c) : 0;
    }
    std::vector<void*> free_[kClasses + 1];
    std::vector<std::unique_ptr<std::byte[]>> arena_;
    int64_t live_ = 0;
    int64_t chunks_ = 0;
};

inline void MessageDeleter::operator()(Message* m) const { pool->release(m); }

template <typename Self>
struct MessageOf : Message {
    MessageOf() { kind = kind_id(); }
    static constexpr uint64_t kind_id() { return hash_name(Self::kName); }
    std::string_view name() const override { return Self::kName; }
    Message* clone_into(MessagePool& pool) const override {
        return pool.make<Self>(static_cast<const Self&>(*this)).release();
    }
};

// Takes ownership of m as its concrete type (asserts the kind matches).
template <typename T>
Owned<T> message_cast(MessagePtr m) {
    T* typed = &m->as<T>();
    MessageDeleter deleter = m.get_deleter();
    m.release();
    return Owned<T>(typed, deleter);
}

}  // namespace sim
