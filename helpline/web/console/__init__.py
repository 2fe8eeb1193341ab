"""/console: the staff console and the operators' studio, server-rendered, no build step."""
