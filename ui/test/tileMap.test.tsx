// @vitest-environment jsdom
import { cleanup, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { MapView } from "../src/components/MapView";
import { TileMap } from "../src/components/TileMap";

afterEach(cleanup);

const points = [
  { lat: 52.5, lon: 13.37 },
  { lat: 52.52, lon: 13.41 },
];

describe("maps", () => {
  it("draw offline without a tile setting (no server config)", () => {
    const { container } = render(<MapView points={points} testId="m" />);
    expect(container.querySelector("image")).toBeNull();
    expect(screen.getByTestId("m").getAttribute("aria-label")).toMatch(/2 located points/);
  });

  it("draw the covering tiles with the attribution when there is a template", () => {
    const { container } = render(
      <TileMap points={points} template="https://t.example/{z}/{x}/{y}.png" attribution="© Example" testId="m" />,
    );
    const hrefs = [...container.querySelectorAll("image")].map((i) => i.getAttribute("href"));
    expect(hrefs.length).toBeGreaterThan(0);
    for (const href of hrefs) expect(href).toMatch(/^https:\/\/t\.example\/\d+\/\d+\/\d+\.png$/);
    expect(screen.getByTestId("m-attribution").textContent).toBe("© Example");
    expect(container.querySelectorAll("circle")).toHaveLength(2);
  });
});
