// Placeholder (issue 18): its owner fills it in.
