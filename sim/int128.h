// sim/int128.h: 128-bit integers for exact intermediate arithmetic (unit parsing,
// transmit times, Lemire's bounded draws). __extension__ keeps -Wpedantic quiet.
#pragma once

namespace sim {
__extension__ using int128 = __int128;
__extension__ using uint128 = unsigned __int128;
}  // namespace sim
