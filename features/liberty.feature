Feature: LIBERTY Dental Plan grievance handling (desktop procedure MS 18, Sacramento GMC)
  Verifies the "liberty" policy pack against LIBERTY Dental Plan's implementation plan for the
  Sacramento Medi-Cal Geographic Managed Care program (source document 003_d193abaf51f237db.txt):
  desktop procedure MS 18 "Member Service Department - Exempt Grievances", its IMPORTANT FACTS
  section and the covering letter to DHCS. It covers exempt and formal grievances and appeals,
  the G & A Group Delegation Matrix, the customer care coordinator's contact within 24 hours and
  no later than 72 hours of notification, the unit's 24-hour target for resolving exempt grievances, three
  contact attempts, complaints becoming formal after 72 hours without contact, and the formal
  process for delegated groups (acknowledgement letter in 5 calendar days, resolution letter in
  30 calendar days, provider response in 30 calendar days).

  Times are Sacramento time (America/Los_Angeles). "Notification" is the G & A Coordinator's
  assignment of the case to a CCC (an "assigned" event); without one, the receipt. Hour limits
  are counted in elapsed hours; calendar-day limits do not move off weekends or holidays. The
  delegation matrix rows are OneCare, Health Net, WellPoint and Arcadian (not delegated) and
  Sacramento GMC (delegated); any other group is treated as not delegated and flagged. Every
  expected date below was counted by hand. A scenario whose title says "(reading: ...)" checks the
  pack's reading of the procedure, not its words.

  Background:
    Given the policy "liberty"

  Scenario Outline: The G & A Group Delegation Matrix decides who handles a formal grievance (reading: the matrix rows are rebuilt from the groups the document names)
    Given a grievance received by telephone on Monday 2 December 2024 at 09:00
    And the member belongs to group "<group>"
    And the concern is quality of care
    When the grievance is evaluated
    Then the grievance is classified as formal
    And it is handled by <handler>
    And the acknowledgement letter is <letters>
    And the resolution letter is <letters>
    And the action to refer the member directly to their health plan is <referral>
    And the action to send the recommended determination to the health plan is <referral>
    And <a or no> warning mentions "group not in the G&A delegation matrix"

    Examples:
      | group          | handler                  | letters      | referral     | a or no |
      | OneCare        | the member's health plan | not required | required     | no      |
      | Health Net     | the member's health plan | not required | required     | no      |
      | WellPoint      | the member's health plan | not required | required     | no      |
      | Arcadian       | the member's health plan | not required | required     | no      |
      | Sacramento GMC | the plan                 | required     | not required | no      |
      | Blue Shield    | the member's health plan | not required | required     | a       |

  Scenario Outline: Delegated formal grievance: acknowledgement in 5 and resolution letter in 30 calendar days
    Given a grievance received by mail on <received>
    And the member belongs to group "Sacramento GMC"
    And the member says they want to file a grievance
    When the grievance is evaluated
    Then the grievance is classified as formal
    And it is handled by the plan
    And the acknowledgement letter is due on <acknowledgement due> at 23:59:59
    And the resolution letter is due on <resolution due> at 23:59:59
    And the records request has no due date
    And the provider response is not required

    Examples:
      | received                           | acknowledgement due        | resolution due             |
      # 22 Nov + 5 = Wed 27 Nov (Thanksgiving plays no part); 22 Nov + 30 = 8 days to 30 Nov
      # + 22 = Sun 22 Dec (a Sunday: not moved)
      | Friday 22 November 2024 at 10:00   | Wednesday 27 November 2024 | Sunday 22 December 2024    |
      # 25 Nov + 5 = Sat 30 Nov; 25 Nov + 30 = 5 days to 30 Nov + 25 = Christmas Day, Wed 25 Dec
      | Monday 25 November 2024 at 16:00   | Saturday 30 November 2024  | Wednesday 25 December 2024 |
      # 20 Dec + 5 = Christmas Day, Wed 25 Dec; 20 Dec + 30 = 11 days to 31 Dec + 19 = Sun 19 Jan
      | Friday 20 December 2024 at 10:00   | Wednesday 25 December 2024 | Sunday 19 January 2025     |
      # 27 Dec + 5 = New Year's Day, Wed 1 Jan; 27 Dec + 30 = 4 days to 31 Dec + 26 = Sun 26 Jan
      | Friday 27 December 2024 at 10:00   | Wednesday 1 January 2025   | Sunday 26 January 2025     |

  Scenario: Delegated formal grievance: the provider has 30 calendar days from notification to respond
    Given a grievance received by telephone on Monday 2 December 2024 at 09:00
    And the member belongs to group "Sacramento GMC"
    And the concern is poor crown
    And a "provider notified" event on Monday 9 December 2024 at 10:00
    When the grievance is evaluated
    Then the grievance is classified as formal
    # acknowledgement 2 Dec + 5 = Sat 7 Dec; resolution 2 Dec + 30 = 29 days to 31 Dec + 1 = Wed 1 Jan;
    # provider response 9 Dec + 30 = 22 days to 31 Dec + 8 = Wed 8 Jan
    And the required actions are:
      | action                               | due                                  | status  |
      | acknowledgement letter to the member | Saturday 7 December 2024             | pending |
      | request records from all offices     | no due date                          | pending |
      | resolution letter to the member      | Wednesday 1 January 2025             | pending |
      | send the provider(s) involved the outcome | no due date                     | done    |
      | provider response                    | Wednesday 8 January 2025 at 23:59:59 | pending |

  Scenario: Delegated formal grievance: G & A sends its response to the provider(s) involved (step 6), with no due date (reading: the document gives step 6 no time)
    Given a grievance received by mail on Monday 2 December 2024 at 09:00
    And the member belongs to group "Sacramento GMC"
    And the member says they want to file a grievance
    When the grievance is evaluated as of Monday 3 March 2025 at 09:00
    Then the grievance is classified as formal
    And the action to send the provider(s) involved the outcome has no due date
    And the action to send the provider(s) involved the outcome is pending
    And the provider response is not required

  Scenario Outline: The provider response is pending until the end of its 30th day, then overdue
    Given a grievance received by telephone on Monday 2 December 2024 at 09:00
    And the member belongs to group "Sacramento GMC"
    And the concern is incomplete root canal
    And a "provider notified" event on Monday 9 December 2024 at 10:00
    When the grievance is evaluated as of <as of>
    Then the provider response is <status>

    Examples:
      | as of                               | status  |
      | Wednesday 8 January 2025 at 23:59   | pending |
      | Thursday 9 January 2025 at 00:00    | overdue |

  Scenario Outline: The provider's response or corrective action completes the provider response
    Given a grievance received by telephone on Monday 2 December 2024 at 09:00
    And the member belongs to group "Sacramento GMC"
    And the concern is wrong tooth extracted
    And a "provider notified" event on Monday 9 December 2024 at 10:00
    And a "<reply>" event on Monday 6 January 2025 at 10:00
    When the grievance is evaluated as of Friday 10 January 2025 at 09:00
    Then the provider response is done
    And the provider response was done on Monday 6 January 2025 at 10:00

    Examples:
      | reply                           |
      | provider responded              |
      | corrective action plan received |

  Scenario: Exempt grievance: CCC contact targeted within 24 hours, at the latest 72 hours, of assignment (reading: the 24-hour resolution is the unit's expectation, a target with no due date)
    Given a grievance received by telephone on Tuesday 3 December 2024 at 10:00
    And the member belongs to group "Sacramento GMC"
    And the concern is treatment plan inquiry
    And an "assigned" event on Tuesday 3 December 2024 at 14:00
    When the grievance is evaluated
    Then the grievance is classified as exempt
    And it is handled by the plan
    # 24 hours after the assignment: Wed 4 Dec 14:00; 72 hours: Fri 6 Dec 14:00
    And the target for the CCC contact is Wednesday 4 December 2024 at 14:00
    And the CCC contact is due on Friday 6 December 2024 at 14:00
    And the target for the action to resolve the exempt grievance is Wednesday 4 December 2024 at 14:00
    And the action to resolve the exempt grievance has no due date
    And the exempt grievance log has no due date
    And the acknowledgement letter is not required

  Scenario: Exempt grievance not yet assigned: the hours run from receipt (reading: without an assignment, notification is the receipt)
    Given a grievance received by telephone on Tuesday 3 December 2024 at 10:00
    And the member belongs to group "Sacramento GMC"
    And the concern is provider transfer
    When the grievance is evaluated
    Then the grievance is classified as exempt
    And the target for the CCC contact is Wednesday 4 December 2024 at 10:00
    And the CCC contact is due on Friday 6 December 2024 at 10:00
    And the target for the action to resolve the exempt grievance is Wednesday 4 December 2024 at 10:00
    And the action to resolve the exempt grievance has no due date

  Scenario: The 72 hours are elapsed hours, across the change to daylight saving time
    Given a grievance received by telephone on Friday 8 March 2024 at 09:00
    And the member belongs to group "Sacramento GMC"
    And the concern is provider transfer
    When the grievance is evaluated
    # Friday 09:00 PST + 24 h = Saturday 09:00 PST; + 72 h = Monday 17:00 UTC, and clocks went
    # forward on Sunday 10 March at 02:00, so Monday 10:00 PDT
    Then the target for the CCC contact is Saturday 9 March 2024 at 09:00 -08:00
    And the CCC contact is due on Monday 11 March 2024 at 10:00 -07:00

  Scenario Outline: The exempt resolution target is never overdue; the CCC contact is overdue only after 72 hours (reading: "expected to resolve within 24 hours" is a target)
    Given a grievance received by telephone on Tuesday 3 December 2024 at 10:00
    And the member belongs to group "Sacramento GMC"
    And the concern is treatment plan inquiry
    And an "assigned" event on Tuesday 3 December 2024 at 14:00
    When the grievance is evaluated as of <as of>
    Then the grievance is classified as exempt
    And the action to resolve the exempt grievance is <resolution>
    And the CCC contact is <contact>

    Examples:
      | as of                              | resolution | contact |
      | Wednesday 4 December 2024 at 14:00 | pending    | pending |
      # 24 hours after the assignment (Wed 4 Dec 14:00) have passed: a target, so still pending
      | Wednesday 4 December 2024 at 14:01 | pending    | pending |
      # "no later than 72 hours": the 72nd hour itself is still in time
      | Friday 6 December 2024 at 14:00    | pending    | pending |

  Scenario: An exempt grievance resolved within 24 hours of assignment is done
    Given a grievance received by telephone on Tuesday 3 December 2024 at 10:00
    And the member belongs to group "Sacramento GMC"
    And the concern is treatment plan inquiry
    And an "assigned" event on Tuesday 3 December 2024 at 14:00
    And a "contacted" event on Wednesday 4 December 2024 at 09:00
    And the grievance was resolved on Wednesday 4 December 2024 at 13:59
    When the grievance is evaluated as of Wednesday 4 December 2024 at 16:00
    Then the grievance is classified as exempt
    And the CCC contact is done
    And the action to resolve the exempt grievance is done
    And the action to resolve the exempt grievance was done on Wednesday 4 December 2024 at 13:59

  Scenario Outline: A complaint with no contact within 72 hours of notification becomes a formal grievance (reading: the rule applies to every channel)
    Given a grievance received by <channel> on Monday 2 December 2024 at 09:00
    And the member belongs to group "Sacramento GMC"
    And an "assigned" event on Monday 2 December 2024 at 11:00
    When the grievance is evaluated as of <as of>
    # 72 hours after the assignment: Thursday 5 December 2024 at 11:00
    Then the grievance is classified as <classification>
    And the acknowledgement letter is <letters>

    Examples:
      | channel   | as of                              | classification | letters      |
      | mail      | Thursday 5 December 2024 at 10:59  | exempt         | not required |
      | mail      | Thursday 5 December 2024 at 11:00  | exempt         | not required |
      | mail      | Thursday 5 December 2024 at 11:01  | formal         | required     |
      | email     | Thursday 5 December 2024 at 11:01  | formal         | required     |
      # "any complaint, written or verbal"
      | telephone | Thursday 5 December 2024 at 11:01  | formal         | required     |

  Scenario: A written complaint that became formal keeps the letters' dates counted from receipt (reading: the letters count from receipt even when the grievance became formal later)
    Given a grievance received by mail on Monday 2 December 2024 at 09:00
    And the member belongs to group "Sacramento GMC"
    And an "assigned" event on Monday 2 December 2024 at 11:00
    When the grievance is evaluated as of Friday 6 December 2024 at 09:00
    Then the grievance is classified as formal
    And it is handled by the plan
    # 2 Dec + 5 = Sat 7 Dec; 2 Dec + 30 = 29 days to 31 Dec + 1 = Wed 1 Jan (New Year's Day, not moved)
    And the acknowledgement letter is due on Saturday 7 December 2024
    And the resolution letter is due on Wednesday 1 January 2025
    And the CCC contact is not required
    And the action to resolve the exempt grievance is not required

  Scenario: A written complaint with contact made within 72 hours stays exempt
    Given a grievance received by mail on Monday 2 December 2024 at 09:00
    And the member belongs to group "Sacramento GMC"
    And an "assigned" event on Monday 2 December 2024 at 11:00
    And a "contacted" event on Thursday 5 December 2024 at 10:30
    When the grievance is evaluated as of Friday 6 December 2024 at 09:00
    Then the grievance is classified as exempt
    And the CCC contact is done
    And the acknowledgement letter is not required

  Scenario Outline: After three unsuccessful attempts to reach the member the case goes back to G & A (reading: the note under Treatment Plans applies to every case LIBERTY handles)
    Given a grievance received by telephone on Tuesday 3 December 2024 at 10:00
    And the member belongs to group "Sacramento GMC"
    And the concern is treatment plan inquiry
    And an "assigned" event on Tuesday 3 December 2024 at 11:00
    And <count> "contact attempt" events on Tuesday 3 December 2024 at <times>
    When the grievance is evaluated as of Tuesday 3 December 2024 at 17:00
    Then the action to turn the case back over to the G & A department is <return>

    Examples:
      | count | times                   | return       |
      | two   | 12:00 and 15:00         | not required |
      | three | 12:00, 15:00 and 16:30  | required     |

  Scenario: A member reached after three attempts is not turned back over to G & A
    Given a grievance received by telephone on Tuesday 3 December 2024 at 10:00
    And the member belongs to group "Sacramento GMC"
    And the concern is treatment plan inquiry
    And an "assigned" event on Tuesday 3 December 2024 at 11:00
    And three "contact attempt" events on Tuesday 3 December 2024 at 12:00, 15:00 and 16:30
    And a "contacted" event on Wednesday 4 December 2024 at 09:00
    When the grievance is evaluated as of Wednesday 4 December 2024 at 10:00
    Then the action to turn the case back over to the G & A department is not required
    And the CCC contact is done

  Scenario Outline: A member who wants to file a grievance has a formal one unless it is resolved within 72 hours (reading: "cannot resolve" means not resolved within 72 hours of notification)
    Given a grievance received by telephone on Monday 2 December 2024 at 09:00
    And the member belongs to group "Sacramento GMC"
    And the member says they want to file a grievance
    And the grievance was resolved on <resolved>
    When the grievance is evaluated
    # no assignment recorded: 72 hours from receipt = Thursday 5 December 2024 at 09:00
    Then the grievance is classified as <classification>
    And the acknowledgement letter is <letters>

    Examples:
      | resolved                            | classification | letters      |
      | Monday 2 December 2024 at 09:20     | exempt         | not required |
      | Thursday 5 December 2024 at 09:00   | exempt         | not required |
      | Thursday 5 December 2024 at 09:01   | formal         | required     |

  Scenario Outline: A caller asking about the status of a grievance already filed (reading: the tag means the MSR could not transfer the caller to the analyst)
    Given a grievance received by telephone on Monday 2 December 2024 at 09:00
    And the member belongs to group "<group>"
    And the concern is grievance status inquiry
    When the grievance is evaluated
    Then the grievance is classified as <classification>
    And it is handled by <handler>
    And the action to direct the member to their health plan about an existing grievance is <redirect>
    And the acknowledgement letter is <letters>
    And the exempt grievance log is not required
    And the action to refer the member directly to their health plan is not required

    Examples:
      | group          | classification | handler                  | redirect     | letters      |
      | Sacramento GMC | formal         | the plan                 | not required | required     |
      | OneCare        | exempt         | the member's health plan | required     | not required |

  Scenario Outline: A status inquiry for a group LIBERTY is not delegated for stays with the health plan, never formal after 72 hours (reading: it is never routed to the IRU, so the 72-hour rule cannot apply)
    Given a grievance received by telephone on Monday 2 December 2024 at 09:00
    And the member belongs to group "<group>"
    And the concern is grievance status inquiry
    # 72 hours after receipt: Thursday 5 December 2024 at 09:00; as of Friday 6 December it has passed
    When the grievance is evaluated as of Friday 6 December 2024 at 09:00
    Then the grievance is classified as exempt
    And it is handled by the member's health plan
    And the action to direct the member to their health plan about an existing grievance is required
    And the acknowledgement letter is not required
    And the CCC contact is not required
    And the action to send the recommended determination to the health plan is not required

    Examples:
      | group   |
      | OneCare |
      | Kaiser  |

  Scenario Outline: A member or provider appealing a denial has an appeal, handled by G & A or the health plan (reading: appeals follow the G & A case steps)
    Given a grievance received by mail on Monday 2 December 2024 at 09:00
    And the member belongs to group "<group>"
    And the concerns are <concerns>
    When the grievance is evaluated
    Then the grievance is classified as an appeal
    And it is handled by <handler>
    And the acknowledgement letter is <letters>
    And the action to send the recommended determination to the health plan is <recommendation>

    Examples:
      | group          | concerns                 | handler                  | letters      | recommendation |
      | Sacramento GMC | claim denial             | the plan                 | required     | not required   |
      | Sacramento GMC | claim denial and poor crown | the plan              | required     | not required   |
      | Health Net     | claim denial             | the member's health plan | not required | required       |

  Scenario: A provider transfer settled on the first call is an exempt grievance LIBERTY logs, whatever the group (reading: the matrix is consulted only when the MSR cannot resolve the issue)
    Given a grievance received by telephone on Monday 2 December 2024 at 09:00
    And the member belongs to group "OneCare"
    And the concern is provider transfer
    And the grievance was resolved on Monday 2 December 2024 at 09:15
    When the grievance is evaluated
    Then the grievance is classified as exempt
    And it is handled by the plan
    # resolution target: 24 hours from receipt (no assignment) = Tuesday 3 December 2024 at 09:00
    And the required actions are:
      | action                          | due         | status  |
      | resolve the exempt grievance    | no due date | done    |
      | log the exempt grievance        | no due date | pending |
    And the target for the action to resolve the exempt grievance is Tuesday 3 December 2024 at 09:00
    And no warning mentions "delegation matrix"

  Scenario: An unresolved written complaint for a group LIBERTY is not delegated for goes to the health plan, with no recommended determination while exempt (reading: the recommendation is for formal grievances and appeals)
    Given a grievance received by mail on Monday 2 December 2024 at 09:00
    And the member belongs to group "WellPoint"
    When the grievance is evaluated as of Monday 2 December 2024 at 12:00
    Then the grievance is classified as exempt
    And it is handled by the member's health plan
    And the required actions are:
      | action                                                 | due         |
      | log the exempt grievance                               | no due date |
    And the action to send the recommended determination to the health plan is not required

  Scenario: The same complaint 72 hours later is formal, and LIBERTY sends the health plan its recommended determination
    Given a grievance received by mail on Monday 2 December 2024 at 09:00
    And the member belongs to group "WellPoint"
    # 72 hours after receipt: Thursday 5 December 2024 at 09:00
    When the grievance is evaluated as of Thursday 5 December 2024 at 09:01
    Then the grievance is classified as formal
    And it is handled by the member's health plan
    And the action to send the recommended determination to the health plan is required
    And the acknowledgement letter is not required

  Scenario: An office that refuses to correct a treatment plan gets a Provider Relations reorientation (reading: the refusal and the session are recorded as events)
    Given a grievance received by telephone on Tuesday 3 December 2024 at 10:00
    And the member belongs to group "Sacramento GMC"
    And the concern is treatment plan inquiry
    And an "office refused correction" event on Tuesday 3 December 2024 at 11:00
    When the grievance is evaluated as of Tuesday 3 December 2024 at 12:00
    Then the grievance is classified as exempt
    And the Provider Relations reorientation of the office is required
    And the reorientation has no due date
    And the reorientation is pending

  Scenario: A member who declines the offered provider change has the formal grievance procedure initiated (reading: "if declined" is the member declining the transfer)
    Given a grievance received by telephone on Tuesday 3 December 2024 at 10:00
    And the member belongs to group "Sacramento GMC"
    And the concern is treatment plan inquiry
    And a "transfer declined" event on Tuesday 3 December 2024 at 10:20
    When the grievance is evaluated
    Then the grievance is classified as formal
    # 3 Dec + 5 calendar days = Sunday 8 December 2024 (not moved)
    And the acknowledgement letter is due on Sunday 8 December 2024

  Scenario: A provider's complaint is handled by the IRU, never turned formal and never answered with member letters (reading: a formal grievance is a member's or representative's)
    Given a grievance received by telephone on Monday 2 December 2024 at 09:00
    And the member belongs to group "Sacramento GMC"
    And the provider complains
    # 72 hours after receipt: Thursday 5 December 2024 at 09:00
    When the grievance is evaluated as of Friday 6 December 2024 at 09:00
    Then the grievance is classified as exempt
    And it is handled by the plan
    And the acknowledgement letter is not required
    And the resolution letter is not required
    And the CCC contact is overdue

  Scenario: A provider's complaint for a group LIBERTY is not delegated for is still handled by LIBERTY's IRU (reading: the matrix is about members' grievances)
    Given a grievance received by telephone on Monday 2 December 2024 at 09:00
    And the member belongs to group "OneCare"
    And the provider complains
    When the grievance is evaluated
    Then the grievance is classified as exempt
    And it is handled by the plan
    And the action to send the recommended determination to the health plan is not required

  Scenario: A provider appealing a claim denial has an appeal handled by G & A, with no letters to a member (reading: the member letters are not sent for a provider's appeal)
    Given a grievance received by mail on Monday 2 December 2024 at 09:00
    And the member belongs to group "Sacramento GMC"
    And the provider complains
    And the concern is claim denial
    When the grievance is evaluated
    Then the grievance is classified as an appeal
    And it is handled by the plan
    And the action G & A handles the provider's appeal is required
    And the acknowledgement letter is not required
    And the resolution letter is not required

  Scenario: A delegated formal grievance without notes or the office involved is flagged (reading: the notes are the narrative, the office is the provider)
    Given a grievance received by telephone on Monday 2 December 2024 at 09:00
    And the member belongs to group "Sacramento GMC"
    And the concern is quality of care
    When the grievance is evaluated
    Then a warning mentions "notes detailing the information that was provided to the member/provider"
    And a warning mentions "the office(s) involved in the issue"

  Scenario: A delegated formal grievance with notes and the office involved raises no warnings
    Given a grievance received by telephone on Monday 2 December 2024 at 09:00
    And the member belongs to group "Sacramento GMC"
    And the concern is quality of care
    And the record gives the narrative and the provider's name
    When the grievance is evaluated
    Then there are no warnings
