"""Pretrained networks that models use frozen (not metrics): their weights and their builders."""
