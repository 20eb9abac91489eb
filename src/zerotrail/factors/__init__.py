"""The factor library beyond the shipped sets: custom and supplier factors."""
