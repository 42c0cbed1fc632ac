// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { TokenForm } from "../src/components/TokenForm";

afterEach(cleanup);

const feeds = [
  { key: "temp", name: "Temperature" },
  { key: "hum", name: "Humidity" },
];
const groups = [{ key: "house", name: "House" }];

describe("TokenForm", () => {
  it("sends the name, the picked scopes and no expiry", async () => {
    const onSubmit = vi.fn(async () => undefined);
    render(<TokenForm feeds={feeds} groups={groups} onSubmit={onSubmit} onClose={() => undefined} />);
    fireEvent.change(screen.getByTestId("token-name"), { target: { value: "sensor" } });
    fireEvent.change(screen.getByTestId("token-scope-key-0"), { target: { value: "temp" } });
    fireEvent.change(screen.getByTestId("token-scope-mode-0"), { target: { value: "w" } });
    fireEvent.click(screen.getByTestId("token-scope-add"));
    fireEvent.change(screen.getByTestId("token-scope-model-1"), { target: { value: "group" } });
    fireEvent.change(screen.getByTestId("token-scope-key-1"), { target: { value: "house" } });
    fireEvent.click(screen.getByTestId("token-create-submit"));
    await vi.waitFor(() => expect(onSubmit).toHaveBeenCalledTimes(1));
    expect(onSubmit).toHaveBeenCalledWith({
      name: "sensor",
      permissions: [
        { model: "feed", key: "temp", mode: "w" },
        { model: "group", key: "house", mode: "rw" },
      ],
      expiration: null,
    });
  });

  it("explains what is missing instead of sending", () => {
    const onSubmit = vi.fn(async () => undefined);
    render(<TokenForm feeds={feeds} groups={groups} onSubmit={onSubmit} onClose={() => undefined} />);
    fireEvent.change(screen.getByTestId("token-name"), { target: { value: "sensor" } });
    fireEvent.click(screen.getByTestId("token-create-submit"));
    expect(screen.getByTestId("token-error").textContent).toMatch(/at least one/);
    expect(onSubmit).not.toHaveBeenCalled();
  });

  it("shows the server's refusal inline", async () => {
    const onSubmit = vi.fn(async () => {
      throw new Error("expiration is in the past");
    });
    render(<TokenForm feeds={feeds} groups={groups} onSubmit={onSubmit} onClose={() => undefined} />);
    fireEvent.change(screen.getByTestId("token-name"), { target: { value: "x" } });
    fireEvent.change(screen.getByTestId("token-scope-key-0"), { target: { value: "hum" } });
    fireEvent.change(screen.getByTestId("token-expiry"), { target: { value: "7d" } });
    fireEvent.click(screen.getByTestId("token-create-submit"));
    await screen.findByText("expiration is in the past");
    const sent = (onSubmit.mock.calls[0] as unknown[])[0] as { expiration: string };
    expect(Date.parse(sent.expiration)).toBeGreaterThan(Date.now() + 6 * 86_400_000);
  });
});
