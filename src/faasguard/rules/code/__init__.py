"""CODE rules: handler code analysis (taint flows CODE001-CODE011, other code rules CODE020+)."""
