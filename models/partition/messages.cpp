#include "models/partition/messages.h"

namespace models::partition {

std::string_view blob_status_name(BlobStatus s) {
    switch (s) {
        case BlobStatus::kOk: return "ok";
        case BlobStatus::kNotFound: return "not_found";
        case BlobStatus::kNotMine: return "not_mine";
        case BlobStatus::kBusy: return "busy";
        case BlobStatus::kUnavailable: return "unavailable";
        case BlobStatus::kFailed: return "failed";
    }
    return "?";
}

}  // namespace models::partition
