import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { BrowserRouter } from "react-router-dom";
import "uplot/dist/uPlot.min.css";
import "react-grid-layout/css/styles.css";
import "./styles.css";
import { App } from "./App";
import { AuthProvider } from "./auth";
import { applyTheme, currentTheme } from "./lib/theme";

applyTheme(currentTheme());

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <BrowserRouter>
      <AuthProvider>
        <App />
      </AuthProvider>
    </BrowserRouter>
  </StrictMode>,
);
