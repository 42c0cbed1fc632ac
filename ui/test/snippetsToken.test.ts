import { describe, expect, it } from "vitest";
import { arduinoSnippet, circuitPythonSnippet, pythonSnippet, withToken, type Target } from "../src/lib/snippets";

const base: Target = {
  origin: "http://io.example:8080",
  hostname: "io.example",
  username: "maker",
  key: "aio_KEY",
};

describe("device snippets with a token", () => {
  it("put the token where the key goes and say what it is", () => {
    const t = withToken(base, "tok_SECRET", "temp");
    expect(t).toMatchObject({ key: "tok_SECRET", feed: "temp", credential: "token", username: "maker" });
    const py = pythonSnippet(t);
    expect(py).toContain('KEY = "tok_SECRET"  # a device token');
    expect(py).toContain('aio.send_data("temp", 21.5)');
    expect(py).not.toContain("aio_KEY");
    expect(circuitPythonSnippet(t)).toContain('password="tok_SECRET",  # a device token');
    expect(arduinoSnippet(t)).toContain('#define IO_KEY      "tok_SECRET"  // a device token');
  });

  it("leave the AIO key snippets as they were", () => {
    expect(pythonSnippet(base)).toContain('KEY = "aio_KEY"\n');
    expect(withToken(base, "t").feed).toBeUndefined();
  });
});
