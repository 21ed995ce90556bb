"""Interop: the real simple-salesforce client (PyPI, 1.12.10) drives the sandbox org over HTTP,
unchanged: its username-password OAuth login, query and query_all across pages (a page read
twice is the same page), CRUD, get and upsert by External ID, describes and key prefixes,
search and quick_search, GROUP BY aggregates, Salesforce's NOT_FOUND for an unknown resource,
Case and Opportunity fields Salesforce fills, and revoking a token.

simple-salesforce hard-codes https:// and *.salesforce.com login hosts; the only shim is a
requests.Session that sends those to the sandbox's plain-HTTP address, as the fact sheet says.

Run: target/interop-venv/bin/python -m unittest tests/interop/simple_salesforce_test.py
(PANE_SANDBOX_BIN overrides the sandbox binary, target/debug/pane-sandbox by default).
"""

import os
import re
import subprocess
import unittest
from pathlib import Path

import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import (
    SalesforceExpiredSession,
    SalesforceMalformedRequest,
    SalesforceResourceNotFound,
)

ROOT = Path(__file__).resolve().parents[2]
CLIENT_ID = "pane-sandbox-demo-client"
CLIENT_SECRET = "pane-sandbox-demo-secret"
USERNAME = "ana@pane-support.example"
PASSWORD = "demo-ana-1"
VERSION = "59.0"

sandbox = None
base = None


class ToSandbox(requests.Session):
    """Sends simple-salesforce's https:// and *.salesforce.com URLs to the sandbox over HTTP."""

    def request(self, method, url, *args, **kwargs):
        host = base.split("://", 1)[1]
        url = re.sub(r"^https://[a-z0-9-]+\.salesforce\.com", base, url)
        if url.startswith(f"https://{host}"):
            url = "http://" + url[len("https://"):]
        return super().request(method, url, *args, **kwargs)


def setUpModule():
    global sandbox, base
    binary = os.environ.get("PANE_SANDBOX_BIN", str(ROOT / "target" / "debug" / "pane-sandbox"))
    sandbox = subprocess.Popen(
        [binary, "--port", "0", "--memory"],
        stdout=subprocess.PIPE,
        env={**os.environ, "RUST_LOG": "warn"},
        text=True,
    )
    for line in sandbox.stdout:
        found = re.search(r"Sandbox org listening at (http://\S+)", line)
        if found:
            base = found.group(1)
            break
    if base is None:
        raise RuntimeError(f"the sandbox org did not start (exit {sandbox.poll()})")


def tearDownModule():
    if sandbox is not None:
        sandbox.terminate()
        sandbox.wait(timeout=10)


def login():
    """simple-salesforce's own username-password OAuth login (consumer key and secret)."""
    return Salesforce(
        username=USERNAME,
        password=PASSWORD,
        consumer_key=CLIENT_ID,
        consumer_secret=CLIENT_SECRET,
        version=VERSION,
        session=ToSandbox(),
    )


class SimpleSalesforce(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sf = login()

    def test_login_and_crud(self):
        sf = self.sf
        self.assertTrue(sf.session_id)
        created = sf.Lead.create({"LastName": "Py", "Company": "Snakes Ltd", "Email": "py@snakes.example"})
        self.assertTrue(created["success"])
        self.assertEqual(sf.Lead.get(created["id"])["Name"], "Py")
        self.assertEqual(sf.Lead.update(created["id"], {"Title": "Tester"}), 204)
        self.assertEqual(sf.Lead.get(created["id"])["Title"], "Tester")
        self.assertEqual(sf.Lead.delete(created["id"]), 204)
        with self.assertRaises(SalesforceResourceNotFound) as deleted:
            sf.Lead.get(created["id"])
        self.assertEqual(deleted.exception.content[0]["errorCode"], "ENTITY_IS_DELETED")
        with self.assertRaises(SalesforceMalformedRequest) as missing:
            sf.Lead.create({"LastName": "No company"})
        self.assertEqual(missing.exception.content[0]["errorCode"], "REQUIRED_FIELD_MISSING")

    def test_query_and_query_all_across_pages(self):
        sf = self.sf
        records = [{"attributes": {"type": "Task"}, "Subject": f"Py task {i:03}"} for i in range(250)]
        for chunk in (records[:200], records[200:]):
            results = sf.restful("composite/sobjects", method="POST", json={"allOrNone": True, "records": chunk})
            self.assertTrue(all(r["success"] for r in results))
        soql = "SELECT Id, Subject FROM Task WHERE Subject LIKE 'Py task%' ORDER BY Subject"
        batch = {"Sforce-Query-Options": "batchSize=200"}
        first = sf.query(soql, headers=batch)
        self.assertEqual((first["totalSize"], first["done"], len(first["records"])), (250, False, 200))
        # The same nextRecordsUrl twice: the same rows (a retried page skips none).
        again = sf.query_more(first["nextRecordsUrl"], identifier_is_url=True)
        retried = sf.query_more(first["nextRecordsUrl"], identifier_is_url=True)
        self.assertEqual(again, retried)
        self.assertEqual(again["totalSize"], 250)
        self.assertEqual(again["records"][-1]["Subject"], "Py task 249")
        everything = sf.query_all(soql, headers=batch)
        self.assertEqual(everything["totalSize"], 250)
        self.assertEqual([r["Subject"] for r in everything["records"]], [f"Py task {i:03}" for i in range(250)])

    def test_external_id_get_and_upsert(self):
        sf = self.sf
        self.assertEqual(sf.Task.upsert("Pane_Message_Id__c/py-msg-1", {"Subject": "Logged from Python"}), 201)
        task = sf.Task.get_by_custom_id("Pane_Message_Id__c", "py-msg-1")
        self.assertEqual(task["Subject"], "Logged from Python")
        self.assertEqual(sf.Task.upsert("Pane_Message_Id__c/py-msg-1", {"Subject": "Logged again"}), 200)
        self.assertEqual(sf.Task.get_by_custom_id("Pane_Message_Id__c", "py-msg-1")["Id"], task["Id"])
        self.assertEqual(sf.Task.get(task["Id"])["Subject"], "Logged again")
        with self.assertRaises(SalesforceResourceNotFound):
            sf.Task.get_by_custom_id("Subject", "Logged again")

    def test_describes_and_key_prefixes(self):
        sf = self.sf
        for name, prefix in [("Account", "001"), ("Contact", "003"), ("Lead", "00Q"), ("Opportunity", "006"),
                             ("Case", "500"), ("Task", "00T"), ("Event", "00U"), ("User", "005")]:
            info = getattr(sf, name).metadata()
            self.assertEqual(info["objectDescribe"]["keyPrefix"], prefix, name)
            self.assertIn(f"/v{VERSION}/", info["objectDescribe"]["urls"]["sobject"])
        described = sf.Lead.describe()
        self.assertTrue(any(f["name"] == "Company" and not f["nillable"] for f in described["fields"]))
        self.assertTrue(any(o["name"] == "Task" for o in sf.describe()["sobjects"]))

    def test_search_and_quick_search(self):
        sf = self.sf
        found = sf.search("FIND {rose@edge.com} IN EMAIL FIELDS RETURNING Contact(Id, Name)")
        self.assertEqual(found["searchRecords"][0]["Name"], "Rose Gonzalez")
        quick = sf.quick_search("Gonzalez")
        self.assertTrue(any(r["attributes"]["type"] == "Contact" for r in quick["searchRecords"]))

    def test_group_by_aggregates(self):
        rows = self.sf.query("SELECT StageName, COUNT(Id) n, SUM(Amount) FROM Opportunity "
                             "WHERE StageName = 'Closed Won' GROUP BY StageName ORDER BY StageName")
        self.assertEqual(rows["totalSize"], 1)
        first = rows["records"][0]
        self.assertEqual(first["attributes"], {"type": "AggregateResult"})
        self.assertEqual((first["StageName"], first["n"], first["expr0"]), ("Closed Won", 1, 75000.0))

    def test_unknown_resource_is_not_found(self):
        with self.assertRaises(SalesforceResourceNotFound) as nothing:
            self.sf.restful("nothing/here")
        self.assertEqual(nothing.exception.content,
                         [{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}])

    def test_case_and_opportunity_fields_salesforce_fills(self):
        sf = self.sf
        case = sf.Case.get(sf.Case.create({"Subject": "Python case"})["id"])
        self.assertRegex(case["CaseNumber"], r"^\d{8}$")
        self.assertIs(case["IsClosed"], False)
        opp = sf.Opportunity.get(sf.Opportunity.create(
            {"Name": "Python deal", "StageName": "Prospecting", "CloseDate": "2027-01-01"})["id"])
        self.assertEqual((opp["Probability"], opp["ForecastCategory"], opp["ForecastCategoryName"]),
                         (10.0, "Pipeline", "Pipeline"))

    def test_revoking_a_token_ends_that_session_only(self):
        mine = login()
        other = login()
        token = mine.session_id
        # A client holding just the session, as one built from session_id and instance_url.
        held = Salesforce(instance_url=base, session_id=token, version=VERSION, session=ToSandbox())
        self.assertEqual(held.Lead.metadata()["objectDescribe"]["keyPrefix"], "00Q")
        res = mine.session.post(f"{base}/services/oauth2/revoke", data={"token": token})
        self.assertEqual(res.status_code, 200)
        with self.assertRaises(SalesforceExpiredSession):
            held.Lead.metadata()
        # The client that logged in with a password logs in again by itself on the 401.
        self.assertEqual(mine.Lead.metadata()["objectDescribe"]["keyPrefix"], "00Q")
        self.assertNotEqual(mine.session_id, token)
        # The same user's other session was not touched.
        self.assertEqual(other.Lead.metadata()["objectDescribe"]["keyPrefix"], "00Q")
        self.assertEqual(mine.session.post(f"{base}/services/oauth2/revoke", data={"token": token}).status_code, 400)

if __name__ == "__main__":
    unittest.main()
