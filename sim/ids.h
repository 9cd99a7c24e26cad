// sim/ids.h: strong ids and addresses shared by the kernel and the models.
#pragma once

#include <compare>
#include <cstdint>
#include <limits>

namespace sim {

// A node (storage node or client endpoint). Dense index into the topology's node table.
struct NodeId {
    uint32_t value = std::numeric_limits<uint32_t>::max();
    constexpr bool valid() const { return value != std::numeric_limits<uint32_t>::max(); }
    constexpr auto operator<=>(const NodeId&) const = default;
};
constexpr NodeId kNoNode{};

// A service endpoint on a node. Models pick their own port numbers (models/ports.h).
using Port = uint16_t;

struct Address {
    NodeId node;
    Port port = 0;
    constexpr auto operator<=>(const Address&) const = default;
};

// A cancellable timer. Slot + generation, so a stale id never cancels a newer timer.
struct TimerId {
    uint32_t slot = std::numeric_limits<uint32_t>::max();
    uint32_t gen = 0;
    constexpr bool valid() const { return slot != std::numeric_limits<uint32_t>::max(); }
    constexpr auto operator<=>(const TimerId&) const = default;
};

enum class IoKind : uint8_t { kRead, kWrite };
enum class IoStatus : uint8_t { kOk, kDiskFailed, kNoSpace };

}  // namespace sim
