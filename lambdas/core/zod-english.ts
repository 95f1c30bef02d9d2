// Imported for its effect. zod/mini loads no locale, so every issue would read "Invalid input";
// English (as classic zod loads it) names what was expected. Only when no locale is set, so an
// explicit choice wins. esbuild keeps just en.js of the locales in a bundle.
import * as z from 'zod/mini';
import { en } from 'zod/v4/locales';

if (!z.config().localeError) z.config(en());
