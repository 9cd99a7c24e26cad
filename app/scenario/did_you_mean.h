// app/scenario/did_you_mean.h: suggestions for misspelt keys and values.
//
// A scenario with "nodes_per_rak" should say `did you mean "nodes_per_rack"?` rather than
// only "unknown key". The suggestion is the candidate at the smallest optimal-string-
// alignment distance (Levenshtein plus swapped neighbours, case-insensitive), if it is
// close enough to be a plausible typo; ties go to the earlier candidate, so suggestions
// are deterministic.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace app::scenario {

// Edit distance with adjacent transpositions, comparing ASCII letters case-insensitively.
size_t edit_distance(std::string_view a, std::string_view b);

// The closest candidate within max(2, word.size() / 3) edits, or nullopt.
std::optional<std::string> did_you_mean(std::string_view word,
                                        const std::vector<std::string>& candidates);

}  // namespace app::scenario
