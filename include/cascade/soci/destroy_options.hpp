#pragma once
// The options of a destroy.
#include <cstddef>

namespace cascade {

struct destroy_options {
    /// Rows held at once for a model whose rows are loaded (callbacks, jobs): the page they stream in.
    std::size_t page_size = 1000;
    /// How many times a destroy that hit a deadlock or a serialization failure runs again.
    int deadlock_retries = 3;
};

}  // namespace cascade
