"""The Kivy touchscreen app: one module and one ``.kv`` file per screen."""
