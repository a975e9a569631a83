//! Schema drift: a drifted export of a version, the schema contract pinned on a lineage, and the field
//! mapping that brings a drifted file back under it.
//!
//! TODO(helper): implement to the API below.
