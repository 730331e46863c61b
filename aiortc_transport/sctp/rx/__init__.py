"""Receive side of the SCTP association: data tracker (SACK) and reassembly."""
