"""Trusted-side helpers of the Assignment 2 rubric (never copied into the sandbox)."""
