"""The verifier's side of the inventory: pure values for an engagement's risk assessment (`risk`),
sample selection (`sampling`), the projection of the misstatements found in a sample, the
opinion they support and the statement that carries it. Nothing here reads or writes the
workspace: the pipeline hands these functions a run's records and the verifier's choices as
values, and stores what they return.
"""
