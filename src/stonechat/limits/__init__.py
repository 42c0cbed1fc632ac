"""Rate counting and limits shared by every protocol."""
