"""Departments (部门): a tree, each with the domains it handles."""
