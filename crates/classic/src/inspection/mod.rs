//! Model inspection: permutation importance and TreeSHAP.
