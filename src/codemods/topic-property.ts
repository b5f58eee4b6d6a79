/**
 * The IoT Hub application property that carries the MQTT topic a message had on AWS.
 * The rewritten firmware sets it on every device-to-cloud message and filters
 * cloud-to-device messages on it; routes translated from AWS topic rules filter on it
 * too (`mqttTopic = 'dt/thermostat/t-1/telemetry'`), so both sides must use this name.
 */
export const MQTT_TOPIC_PROPERTY = 'mqttTopic';
