// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ActionForm } from "../src/actions/ActionForm";
import type { ActionBody } from "../src/api/actions";
import { Actions } from "../src/api/actions";
import { ApiClient, ApiError } from "../src/api/client";
import { fakeFetch, json } from "./helpers";

afterEach(cleanup);

const feeds = [
  { key: "temp", name: "Temperature" },
  { key: "outside", name: "Outside" },
];

function form(onSubmit: (body: ActionBody) => Promise<void>, respond = () => json({})) {
  const f = fakeFetch(respond);
  render(
    <ActionForm
      actions={new Actions("al", new ApiClient(f.fetch))}
      feeds={feeds}
      onSubmit={onSubmit}
      onCancel={() => undefined}
      timeZone="UTC"
    />,
  );
  return f;
}

const change = (id: string, value: string) => fireEvent.change(screen.getByTestId(id), { target: { value } });

describe("ActionForm", () => {
  it("sends the trigger and the outputs as filled in", async () => {
    const onSubmit = vi.fn(async () => undefined);
    form(onSubmit);
    change("action-name", "Too hot");
    change("action-feed", "temp");
    change("action-value", "30");
    change("action-output-add-type", "webhook");
    fireEvent.click(screen.getByTestId("action-output-add"));
    change("action-output-1-url", "https://example.org/h");
    change("action-output-1-headers", "X-Key: 1");
    fireEvent.click(screen.getByTestId("action-output-0-remove"));
    fireEvent.click(screen.getByTestId("action-save"));
    await vi.waitFor(() => expect(onSubmit).toHaveBeenCalledTimes(1));
    const body = (onSubmit.mock.calls[0] as unknown[])[0] as ActionBody;
    expect(body.trigger).toEqual({ type: "data", feed: "temp", operator: "gt", value: "30", compare_feed: null, when: "matches" });
    expect(body.outputs).toEqual([
      { type: "webhook", url: "https://example.org/h", format: "json", body: "", headers: { "X-Key": "1" } },
    ]);
  });

  it("shows the server's 422 next to the field it names", async () => {
    form(async () => {
      throw new ApiError(422, "outputs[0].message: unknown variable vlaue");
    });
    fireEvent.click(screen.getByTestId("action-save"));
    const next = await screen.findByTestId("action-error-outputs[0].message");
    expect(next.textContent).toMatch(/vlaue/);
    expect(screen.getByTestId("action-output-0-message").getAttribute("aria-invalid")).toBe("true");
    expect(screen.getByTestId("action-output-0-message").getAttribute("aria-describedby")).toBe(next.id);
    expect(screen.getByTestId("action-error").textContent).toMatch(/vlaue/);
  });

  it("dry-runs the form as it stands and shows why points did not fire", async () => {
    const f = form(
      async () => undefined,
      () =>
        json({
          start_time: "2026-01-01T00:00:00.000Z",
          end_time: "2026-01-02T00:00:00.000Z",
          points: [
            { at: "2026-01-01T01:00:00.000Z", value: "20", fired: false, fired_at: null, reason: "20 gt 30 is false" },
            { at: "2026-01-01T02:00:00.000Z", value: "40", fired: true, fired_at: "2026-01-01T02:00:00.000Z", reason: "40 gt 30" },
          ],
          fired: 1,
          due: [],
        }),
    );
    change("action-feed", "temp");
    change("action-value", "30");
    fireEvent.click(screen.getByTestId("action-dry-run-week"));
    expect((await screen.findByTestId("dry-run-fired")).textContent).toBe("1");
    expect(screen.getByTestId("dry-run-missed").textContent).toMatch(/20 gt 30 is false/);
    expect(screen.getByTestId("dry-run-timeline").querySelectorAll("circle")).toHaveLength(2);
    const sent = JSON.parse(String(f.calls[0].init.body));
    expect(f.calls[0].url).toBe("/api/v2/al/actions/dry-run");
    expect(sent.action.trigger.feed).toBe("temp");
    expect(Date.now() - Date.parse(sent.start_time)).toBeGreaterThan(6.9 * 86_400_000);
  });

  it("names a header line it cannot send without asking the server", () => {
    const onSubmit = vi.fn(async () => undefined);
    form(onSubmit);
    change("action-output-add-type", "webhook");
    fireEvent.click(screen.getByTestId("action-output-add"));
    change("action-output-1-headers", "no colon here");
    fireEvent.click(screen.getByTestId("action-save"));
    expect(screen.getByTestId("action-error-outputs[1].headers").textContent).toMatch(/line 1/);
    expect(onSubmit).not.toHaveBeenCalled();
  });

  it("previews a template field with the trigger feed's last value", async () => {
    const f = form(
      async () => undefined,
      () => json({ text: "Hot: 31.5", value: "31.5" }),
    );
    change("action-feed", "temp");
    change("action-output-add-type", "email");
    fireEvent.click(screen.getByTestId("action-output-add"));
    change("action-output-1-subject", "Hot: {{ value }}");
    const button = screen.getByTestId("preview-1-subject");
    expect(button.getAttribute("aria-label")).toBe("Preview Subject of output 2");
    fireEvent.click(button);
    const text = await screen.findByTestId("preview-text-1-subject");
    expect(text.textContent).toBe("Hot: 31.5");
    expect(text.closest("[aria-live]")?.getAttribute("aria-live")).toBe("polite");
    expect(f.calls[0].url).toBe("/api/v2/al/actions/preview");
    expect(f.calls[0].init.method).toBe("POST");
    expect(JSON.parse(String(f.calls[0].init.body))).toEqual({ template: "Hot: {{ value }}", feed: "temp" });
    expect(screen.queryByTestId("preview-text-1-body")).toBeNull();
    change("action-output-1-subject", "Hot!");
    expect(screen.queryByTestId("preview-text-1-subject")).toBeNull();
  });

  it("shows why a template does not render, and sends no feed for a schedule", async () => {
    const f = form(
      async () => undefined,
      () => json({ error: "template: unexpected '}'" }, 422),
    );
    change("action-feed", "temp");
    change("action-trigger-type", "schedule");
    change("action-output-0-message", "{{ value }");
    fireEvent.click(screen.getByTestId("preview-0-message"));
    const error = await screen.findByTestId("preview-error-0-message");
    expect(error.textContent).toBe("template: unexpected '}'");
    expect(screen.queryByTestId("preview-text-0-message")).toBeNull();
    expect(JSON.parse(String(f.calls[0].init.body))).toEqual({ template: "{{ value }", feed: null });
    expect(screen.queryByTestId("action-error")).toBeNull();
  });
});
