Feature: LIBERTY Dental Plan utilization control (Non-Reporting list)
  Verifies the "liberty-utilization" pack against LIBERTY's letter to DHCS of March 20, 2012
  ("Utilization Control with Enrollment") and its "Non - Reporting List GMC 4th Quarter 2011"
  (source document 003_d193abaf51f237db.txt): any office with a utilization percentage below 5%
  receives a letter and a phone call from Provider Relations. The percentage is claims submitted
  over cumulative enrollment, worked out exactly from the two counts. A scenario whose title says
  "(reading: ...)" checks the pack's reading of the text, not its words.

  Background:
    Given the policy "liberty-utilization"

  Scenario: An office below 5% gets a letter and a call (Dr. Said Shaari, October 2011)
    Given an office_month record "Dr. Said Shaari 2011-10" with:
      | fact       | value           |
      | office     | Dr. Said Shaari |
      | month      | 2011-10         |
      | enrollment | 1121            |
      | claims     | 55              |
    # 55 / 1121 = 4.91%: below 5%
    When the record is evaluated
    Then the record is classified as below threshold
    And the record gets provider_letter, provider_call

  Scenario: An office at or above 5% gets nothing (Sacramento Community Clinic, October 2011)
    Given an office_month record with:
      | fact       | value                       |
      | office     | Sacramento Community Clinic |
      | month      | 2011-10                     |
      | enrollment | 627                         |
      | claims     | 120                         |
    # 120 / 627 = 19.1%
    When the record is evaluated
    Then the record is classified as meets threshold
    And the record gets no action

  Scenario: A month with no enrollment gets no letter (reading: no members, no percentage)
    Given an office_month record with:
      | fact       | value                      |
      | office     | The Effort North Highlands |
      | month      | 2011-11                    |
      | enrollment | 0                          |
      | claims     | 6                          |
    When the record is evaluated
    Then the record is classified as no enrollment
    And the record gets no action

  Scenario: The quarter printed as 5% is below 5% month by month (reading: exact, never the rounded figure)
    # Kennedy Family Dentistry, Inc.: the list prints 5% for the quarter (77 / 1596 = 4.82%)
    Given the records:
      | id      | office                         | month   | enrollment | claims |
      | K-2011-10 | Kennedy Family Dentistry, Inc. | 2011-10 | 501        | 31     |
      | K-2011-11 | Kennedy Family Dentistry, Inc. | 2011-11 | 519        | 28     |
      | K-2011-12 | Kennedy Family Dentistry, Inc. | 2011-12 | 576        | 18     |
    When the records are evaluated together
    # 31/501 = 6.19%, 28/519 = 5.39%, 18/576 = 3.125%
    Then record "K-2011-10" is classified as meets threshold
    And record "K-2011-11" is classified as meets threshold
    And record "K-2011-12" is classified as below threshold
    And record "K-2011-12" gets provider_letter, provider_call

  Scenario: Exactly 5% is not below 5%
    Given an office_month record with:
      | fact       | value    |
      | office     | Office X |
      | month      | 2011-12  |
      | enrollment | 100      |
      | claims     | 5        |
    When the record is evaluated
    Then the record is classified as meets threshold
