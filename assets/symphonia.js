// Progressive enhancement only: every page works without this file.
// GOV.UK Frontend's components (error summary focus, radios, navigation toggle) start here,
// from our own origin: the content security policy allows no inline script.
import { initAll } from "./govuk-frontend.min.js";

document.body.classList.add("govuk-frontend-supported");
initAll();
