"""MQTT equipment: one shared paho-mqtt connection, plug dialects as data, switch
adapters (Tasmota, Shelly Gen2) and simulated plugs for tests and demos."""
