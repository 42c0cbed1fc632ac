import { describe, expect, it } from "vitest";
import {
  arduinoSnippet,
  circuitPythonSnippet,
  mosquittoFirstValue,
  pythonSnippet,
  type Target,
} from "../src/lib/snippets";

const base: Target = {
  origin: "http://io.example:8080",
  hostname: "io.example",
  username: "maker",
  key: "aio_KEY",
};

describe("device snippets point at this server", () => {
  it("use the REST origin and the host name", () => {
    const py = pythonSnippet(base);
    expect(py).toContain('base_url="http://io.example:8080"');
    expect(py).toContain('service_host="io.example"');
    expect(py).toContain('KEY = "aio_KEY"');
  });

  it("leave the official Python client's default MQTT port alone on 1883", () => {
    expect(pythonSnippet({ ...base, mqttPort: 1883 })).not.toContain("_service_port");
    expect(pythonSnippet(base)).not.toContain("_service_port");
  });

  it("set the MQTT port everywhere when the server uses another one", () => {
    const t = { ...base, mqttPort: 11883 };
    expect(pythonSnippet(t)).toContain("mqtt._service_port = 11883");
    expect(circuitPythonSnippet(t)).toContain("port=11883");
    expect(arduinoSnippet(t)).toContain("#define IO_PORT     11883");
    expect(mosquittoFirstValue(t)).toContain("-p 11883");
  });
});
