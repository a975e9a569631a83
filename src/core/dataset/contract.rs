//! TODO(helper): the schema contract and field mapping.
