//! Shared pieces of the Letopis tools: synthetic event generation for benchmarks and soak runs.
