"""The text encoders `text.encoder` may name (`ganforge.text` registers one builder for each)."""

TEXT_ENCODER_CHOICES = ("minilm", "clip", "learned")
