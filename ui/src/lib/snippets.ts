/** Ready-to-paste code that points devices at this server. */

export interface Target {
  origin: string; // http(s)://host[:port]
  hostname: string;
  username: string;
  key: string;
  feed?: string;
  mqttPort?: number;
  /** `token`: `key` is a device token, which works only for the feeds and groups it names. */
  credential?: "key" | "token";
}

const TOKEN_NOTE = "a device token: it works only for the feeds and groups it names";

/** The same target signed in with a device token instead of the AIO key. */
export function withToken(t: Target, token: string, feed?: string): Target {
  return { ...t, key: token, credential: "token", feed: feed ?? t.feed };
}

function note(t: Target, comment: string): string {
  return t.credential === "token" ? `  ${comment} ${TOKEN_NOTE}` : "";
}

export function curlFirstValue(t: Target): string {
  const feed = t.feed ?? "temperature";
  return (
    `curl -X POST ${t.origin}/api/v2/${t.username}/feeds/${feed}/data \\\n` +
    `  -H "X-AIO-Key: ${t.key}" \\\n` +
    `  -H "Content-Type: application/json" \\\n` +
    `  -d '{"value": 21.5}'`
  );
}

export function mosquittoFirstValue(t: Target): string {
  const feed = t.feed ?? "temperature";
  return (
    `mosquitto_pub -h ${t.hostname} -p ${t.mqttPort ?? 1883} \\\n` +
    `  -u ${t.username} -P ${t.key} \\\n` +
    `  -t ${t.username}/feeds/${feed} -m 21.5`
  );
}

export function pythonSnippet(t: Target): string {
  const feed = t.feed ?? "temperature";
  return `# pip install adafruit-io
from Adafruit_IO import Client, MQTTClient

USERNAME = "${t.username}"
KEY = "${t.key}"${note(t, "#")}

# REST: every call goes to this server
aio = Client(USERNAME, KEY, base_url="${t.origin}")
aio.send_data("${feed}", 21.5)
print(aio.receive("${feed}").value)

# MQTT (plain TCP)
def message(client, feed_id, payload):
    print(feed_id, payload)

mqtt = MQTTClient(USERNAME, KEY, service_host="${t.hostname}", secure=False)${
    t.mqttPort && t.mqttPort !== 1883
      ? `\nmqtt._service_port = ${t.mqttPort}  # this server's MQTT port (the client has no argument for it)`
      : ""
  }
mqtt.on_message = message
mqtt.connect()
mqtt.subscribe("${feed}")
mqtt.loop_blocking()
`;
}

export function circuitPythonSnippet(t: Target): string {
  const feed = t.feed ?? "temperature";
  return `# CircuitPython: adafruit_minimqtt + adafruit_io (Wi-Fi board, settings.toml has Wi-Fi)
import os, time, wifi, socketpool
import adafruit_minimqtt.adafruit_minimqtt as MQTT
from adafruit_io.adafruit_io import IO_MQTT

wifi.radio.connect(os.getenv("CIRCUITPY_WIFI_SSID"), os.getenv("CIRCUITPY_WIFI_PASSWORD"))
pool = socketpool.SocketPool(wifi.radio)

mqtt = MQTT.MQTT(
    broker="${t.hostname}",
    port=${t.mqttPort ?? 1883},
    username="${t.username}",
    password="${t.key}",${note(t, "#")}
    socket_pool=pool,
    is_ssl=False,
)
io = IO_MQTT(mqtt)
io.on_message = lambda client, feed_id, payload: print(feed_id, payload)
io.connect()
io.subscribe("${feed}")

while True:
    io.publish("${feed}", 21.5)
    io.loop(timeout=10)
    time.sleep(10)
`;
}

export function arduinoSnippet(t: Target): string {
  const feed = t.feed ?? "temperature";
  return `// Arduino (ESP32/ESP8266): Adafruit MQTT Library talking to this server.
// (Adafruit_IO_Arduino hard-codes io.adafruit.com, so use the MQTT library directly.)
#include <WiFi.h>
#include "Adafruit_MQTT.h"
#include "Adafruit_MQTT_Client.h"

#define WLAN_SSID   "your-wifi"
#define WLAN_PASS   "your-password"
#define IO_SERVER   "${t.hostname}"
#define IO_PORT     ${t.mqttPort ?? 1883}
#define IO_USERNAME "${t.username}"
#define IO_KEY      "${t.key}"${note(t, "//")}

WiFiClient client;
Adafruit_MQTT_Client mqtt(&client, IO_SERVER, IO_PORT, IO_USERNAME, IO_KEY);
Adafruit_MQTT_Publish feed = Adafruit_MQTT_Publish(&mqtt, IO_USERNAME "/feeds/${feed}");

void setup() {
  Serial.begin(115200);
  WiFi.begin(WLAN_SSID, WLAN_PASS);
  while (WiFi.status() != WL_CONNECTED) delay(500);
}

void loop() {
  if (!mqtt.connected()) {
    while (mqtt.connect() != 0) { mqtt.disconnect(); delay(5000); }
  }
  feed.publish(21.5);
  delay(10000);
}
`;
}

export function targetFromWindow(
  username: string,
  key: string,
  feed?: string,
  mqttPort?: number,
): Target {
  const loc = typeof window !== "undefined" ? window.location : { origin: "http://localhost:8080", hostname: "localhost" };
  return { origin: loc.origin, hostname: loc.hostname, username, key, feed, mqttPort };
}
