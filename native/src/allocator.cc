// Placeholder: the caching allocator for tensor storage is being written.
