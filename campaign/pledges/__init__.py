"""Action Pledges: the submission form's fields and rules, the SMART check, the pledge store,
import and export, progress through the year, the Amplifier report and the pledge's own posts."""
