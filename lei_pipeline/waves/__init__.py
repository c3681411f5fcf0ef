"""Waves: which exist and in which order, their exports, the inputs they are read against."""
